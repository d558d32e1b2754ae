import { createTheme } from '@mantine/core';

/** The Catena look: Mantine defaults, a blue primary and a readable monospace. */
export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  components: {
    Button: { defaultProps: { size: 'sm' } },
  },
});
