// Who is signed in. The gateway keeps the session in an HttpOnly cookie; the GUI
// only asks who the viewer is and sends people to /signin (or /setup on a fresh
// install) when nobody is.
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { Loading, ErrorState } from '../components/States';
import { graphql } from '../gql';
import { UNAUTHENTICATED_EVENT } from './client';
import { errorCode, errorMessage } from './errors';

export const ViewerDocument = graphql(`
  query Viewer {
    me {
      id
      email
      name
      role
    }
    setupRequired
  }
`);

export const SignOutDocument = graphql(`
  mutation Logout {
    logout
  }
`);

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  /** Editors and admins change collections, monitors and channels. */
  canWrite: boolean;
}

interface Session {
  user: SessionUser | null;
  setupRequired: boolean;
  refresh: () => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children, onReset }: { children: ReactNode; onReset: () => void }) {
  const [result, reexecute] = useQuery({ query: ViewerDocument, requestPolicy: 'network-only' });
  const [, signOutMutation] = useMutation(SignOutDocument);
  const navigate = useNavigate();
  const refresh = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const signOut = useCallback(async () => {
    await signOutMutation({});
    onReset();
    navigate('/signin');
  }, [signOutMutation, onReset, navigate]);
  // A request that found the session expired: ask again who is signed in; when
  // nobody is, RequireSession sends the user to sign in.
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | undefined;
    const onUnauth = () => {
      clearTimeout(t);
      t = setTimeout(refresh, 200);
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauth);
    return () => {
      clearTimeout(t);
      window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauth);
    };
  }, [refresh]);
  const v = result.data?.me ?? null;
  const value = useMemo<Session>(
    () => ({
      user: v ? { id: v.id, email: v.email, name: v.name, isAdmin: v.role === 'ADMIN', canWrite: v.role !== 'VIEWER' } : null,
      setupRequired: result.data?.setupRequired ?? false,
      refresh,
      signOut,
    }),
    [v, result.data?.setupRequired, refresh, signOut],
  );
  if (result.fetching && !result.data) return <Loading label="Starting Catena…" />;
  if (result.error && errorCode(result.error) !== 'UNAUTHENTICATED' && !result.data) {
    return <ErrorState message={errorMessage(result.error) ?? 'unknown error'} onRetry={refresh} />;
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** Renders children for a signed-in user; otherwise redirects to sign-in (or first-run setup). */
export function RequireSession({ children }: { children: ReactNode }) {
  const { user, setupRequired } = useSession();
  const location = useLocation();
  if (!user) {
    if (setupRequired) return <Navigate to="/setup" replace />;
    return <Navigate to={`/signin?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }
  return <>{children}</>;
}
