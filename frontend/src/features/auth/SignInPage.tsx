import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import { fieldErrors, onFields } from '../../lib/errors';
import { LoginDocument } from './api';
import { useSession } from '../../lib/session';

/** Email and password sign-in; on success goes back to the page that asked for it. */
export function SignInPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [result, login] = useMutation(LoginDocument);
  const { user, setupRequired, refresh } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next') ?? '/';
  const safeNext = next.startsWith('/') && !next.startsWith('//') ? next : '/';

  if (user) return <Navigate to={safeNext} replace />;
  if (setupRequired) return <Navigate to="/setup" replace />;

  const errs = fieldErrors(result.error);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await login({ email: email.trim(), password });
    if (!r.error) {
      refresh();
      navigate(safeNext, { replace: true });
    }
  };
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400}>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            <Stack gap={4}>
              <Title order={2}>Sign in to Catena</Title>
              <Text c="dimmed" size="sm">
                Monitor chained API workflows.
              </Text>
            </Stack>
            <FormErrors error={result.error} placed={onFields('email', 'password')} />
            <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errs.email} data-autofocus autoFocus />
            <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errs.password} />
            <Button type="submit" loading={result.fetching} fullWidth>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              Forgot your password? An admin can set a new one under Users.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
