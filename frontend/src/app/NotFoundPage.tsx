import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { EmptyState } from '../components/States';

export function NotFoundPage() {
  return (
    <EmptyState
      title="Nothing here"
      action={
        <Button component={Link} to="/">
          Back to the dashboard
        </Button>
      }
    >
      This address does not match any page of Catena.
    </EmptyState>
  );
}
