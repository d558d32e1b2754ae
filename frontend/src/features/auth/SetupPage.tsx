import { Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useMutation } from 'urql';
import { FormErrors } from '../../components/FormErrors';
import { fieldErrors, onFields } from '../../lib/errors';
import { SetupDocument } from './api';
import { useSession } from '../../lib/session';

/**
 * First-run setup: creates the first admin with the one-time token that
 * `catena serve` prints (the setup link carries it as ?token=).
 */
export function SetupPage() {
  const [params] = useSearchParams();
  const [token, setToken] = useState(params.get('token') ?? '');
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [result, setup] = useMutation(SetupDocument);
  const { user, setupRequired, refresh } = useSession();
  const navigate = useNavigate();
  if (user) return <Navigate to="/" replace />;
  if (!setupRequired) return <Navigate to="/signin" replace />;

  const errs = fieldErrors(result.error);
  const mismatch = confirm !== '' && confirm !== password ? 'the passwords differ' : undefined;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    const r = await setup({ token: token.trim(), email: email.trim(), name: name.trim(), password });
    if (!r.error) {
      refresh();
      navigate('/', { replace: true });
    }
  };
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={440}>
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            <Stack gap={4}>
              <Title order={2}>Welcome to Catena</Title>
              <Text c="dimmed" size="sm">
                Create the first administrator. The setup token is in the log of <code>catena serve</code> (or set
                CATENA_ADMIN_EMAIL and CATENA_ADMIN_PASSWORD before starting it).
              </Text>
            </Stack>
            <FormErrors error={result.error} placed={onFields('token', 'name', 'email', 'password')} />
            <TextInput label="Setup token" required value={token} onChange={(e) => setToken(e.currentTarget.value)} error={errs.token} classNames={{ input: 'mono' }} />
            <TextInput label="Your name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errs.name} autoComplete="name" />
            <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={errs.email} autoComplete="username" />
            <PasswordInput label="Password" description="At least 8 characters" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errs.password} autoComplete="new-password" />
            <PasswordInput label="Repeat the password" required value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} error={mismatch} autoComplete="new-password" />
            <Button type="submit" loading={result.fetching}>
              Create admin and sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
