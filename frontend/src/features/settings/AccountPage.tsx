import { Alert, Button, Paper, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { PageHeader } from '../../components/States';
import { FormErrors } from '../../components/FormErrors';
import { fieldErrors, onFields } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { ChangePasswordDocument } from './api';

/** The signed-in user's account: who they are and a new password (other sessions end). */
export function AccountPage() {
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [result, change] = useMutation(ChangePasswordDocument);
  const errs = fieldErrors(result.error);
  const mismatch = confirm !== '' && confirm !== next ? 'the passwords differ' : undefined;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    if (mismatch) return;
    const r = await change({ currentPassword: current, newPassword: next });
    if (!r.error) {
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
    }
  };
  return (
    <Stack maw={520}>
      <PageHeader title="Account" description={user ? `${user.name || user.email} · ${user.email}${user.isAdmin ? ' · admin' : ''}` : undefined} />
      <Paper withBorder p="md">
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack>
            <Text fw={600}>Change password</Text>
            {done && <Alert color="green">Password changed. Your other sessions were signed out.</Alert>}
            <FormErrors error={result.error} placed={onFields('currentPassword', 'newPassword', 'password')} />
            <PasswordInput label="Current password" required value={current} onChange={(e) => setCurrent(e.currentTarget.value)} error={errs.currentPassword} autoComplete="current-password" />
            <PasswordInput label="New password" description="At least 8 characters" required value={next} onChange={(e) => setNext(e.currentTarget.value)} error={errs.newPassword ?? errs.password} autoComplete="new-password" />
            <PasswordInput label="Repeat the new password" required value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} error={mismatch} autoComplete="new-password" />
            <Button type="submit" loading={result.fetching} disabled={!current || !next}>
              Change password
            </Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
