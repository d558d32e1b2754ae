import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { lazy, useState } from 'react';
import { Navigate, Outlet, Route, RouterProvider, createBrowserRouter, createRoutesFromElements } from 'react-router';
import { Provider } from 'urql';
import { createClient } from '../lib/client';
import { theme } from './theme';
import { Shell } from './Shell';
import { SessionProvider, RequireSession } from '../lib/session';
import { SignInPage } from '../features/auth/SignInPage';
import { SetupPage } from '../features/auth/SetupPage';
import { NotFoundPage } from './NotFoundPage';

// Each screen is its own chunk, loaded when first opened.
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const CollectionsPage = lazy(() => import('../features/collections/CollectionsPage').then((m) => ({ default: m.CollectionsPage })));
const EditorPage = lazy(() => import('../features/editor/EditorPage').then((m) => ({ default: m.EditorPage })));
const RunsPage = lazy(() => import('../features/runs/RunsPage').then((m) => ({ default: m.RunsPage })));
const RunPage = lazy(() => import('../features/runs/RunPage').then((m) => ({ default: m.RunPage })));
const ComparePage = lazy(() => import('../features/runs/ComparePage').then((m) => ({ default: m.ComparePage })));
const MonitorsPage = lazy(() => import('../features/monitors/MonitorsPage').then((m) => ({ default: m.MonitorsPage })));
const MonitorFormPage = lazy(() => import('../features/monitors/MonitorFormPage').then((m) => ({ default: m.MonitorFormPage })));
const ChannelsPage = lazy(() => import('../features/channels/ChannelsPage').then((m) => ({ default: m.ChannelsPage })));
const IncidentsPage = lazy(() => import('../features/incidents/IncidentsPage').then((m) => ({ default: m.IncidentsPage })));
const ImportPage = lazy(() => import('../features/import/ImportPage').then((m) => ({ default: m.ImportPage })));
const TokensPage = lazy(() => import('../features/settings/TokensPage').then((m) => ({ default: m.TokensPage })));
const AccountPage = lazy(() => import('../features/settings/AccountPage').then((m) => ({ default: m.AccountPage })));
const StatusPagesPage = lazy(() => import('../features/status/StatusPagesPage').then((m) => ({ default: m.StatusPagesPage })));
const StatusPageFormPage = lazy(() => import('../features/status/StatusPageFormPage').then((m) => ({ default: m.StatusPageFormPage })));
const AuditLogPage = lazy(() => import('../features/settings/AuditLogPage').then((m) => ({ default: m.AuditLogPage })));
const MaintenancePage = lazy(() => import('../features/maintenance/MaintenancePage').then((m) => ({ default: m.MaintenancePage })));
const UsersPage = lazy(() => import('../features/settings/UsersPage').then((m) => ({ default: m.UsersPage })));

/**
 * The routes, in a data router: the editor's unsaved-changes guard needs
 * useBlocker, which only a data router offers.
 */
function makeRouter(onReset: () => void) {
  return createBrowserRouter(
    createRoutesFromElements(
      <Route
        element={
          <SessionProvider onReset={onReset}>
            <Outlet />
          </SessionProvider>
        }
      >
        <Route path="/signin" element={<SignInPage />} />
        <Route path="/setup" element={<SetupPage />} />
        <Route
          element={
            <RequireSession>
              <Shell />
            </RequireSession>
          }
        >
          <Route index element={<DashboardPage />} />
          <Route path="collections" element={<CollectionsPage />} />
          <Route path="collections/:id" element={<EditorPage />} />
          <Route path="import" element={<ImportPage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="runs/:id" element={<RunPage />} />
          <Route path="runs/:id/compare" element={<ComparePage />} />
          <Route path="monitors" element={<MonitorsPage />} />
          <Route path="monitors/new" element={<MonitorFormPage />} />
          <Route path="monitors/:id" element={<MonitorFormPage />} />
          <Route path="channels" element={<ChannelsPage />} />
          <Route path="incidents" element={<IncidentsPage />} />
          <Route path="status-pages" element={<StatusPagesPage />} />
          <Route path="status-pages/new" element={<StatusPageFormPage />} />
          <Route path="status-pages/:id" element={<StatusPageFormPage />} />
          <Route path="maintenance" element={<MaintenancePage />} />
          <Route path="settings/tokens" element={<TokensPage />} />
          <Route path="settings/users" element={<UsersPage />} />
          <Route path="settings/audit" element={<AuditLogPage />} />
          <Route path="settings/account" element={<AccountPage />} />
          <Route path="home" element={<Navigate to="/" replace />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>,
    ),
  );
}

export function App() {
  // A new client after sign-out drops every cached result of the old session.
  const [client, setClient] = useState(createClient);
  const [router] = useState(() => makeRouter(() => setClient(createClient())));
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="top-right" />
      <Provider value={client}>
        <RouterProvider router={router} />
      </Provider>
    </MantineProvider>
  );
}
