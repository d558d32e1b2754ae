import { Button, Stack, Text } from '@mantine/core';
import type { useMonitorPages } from '../lib/useMonitorPages';

/** "Load more monitors" under a monitors list, with its error. */
export function LoadMore({ pages }: { pages: ReturnType<typeof useMonitorPages> }) {
  if (!pages.hasMore && !pages.moreError) return null;
  return (
    <Stack align="center" gap={4}>
      {pages.moreError && (
        <Text size="sm" c="red" role="alert">
          {pages.moreError}
        </Text>
      )}
      {pages.hasMore && (
        <Button variant="default" loading={pages.loadingMore} onClick={() => void pages.loadMore()}>
          Load more monitors
        </Button>
      )}
    </Stack>
  );
}
