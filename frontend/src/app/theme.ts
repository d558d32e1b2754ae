import { createTheme } from '@mantine/core';

/** The Catena look: Mantine defaults, a blue primary and a readable monospace. */
export const theme = createTheme({
  primaryColor: 'blue',
  defaultRadius: 'sm',
  // Named fonts before the generic `monospace`: on Linux that is often DejaVu
  // Sans Mono, whose `_` Chromium clips away inside a 14 px input at 1× pixel
  // density (get_order reads "get order"). Liberation Mono keeps it, and
  // monospace inputs are 13 px (global.css), where DejaVu keeps it too.
  fontFamilyMonospace: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', 'DejaVu Sans Mono', monospace",
  components: {
    Button: { defaultProps: { size: 'sm' } },
  },
});
