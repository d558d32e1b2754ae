import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

// `npm run dev` serves the GUI with hot reload on :5173 and forwards the API
// (including the graphql-ws subscription socket) to a Go server on :8080
// (`make run`), or to CATENA_API when set.
const api = process.env.CATENA_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [
    react(),
    {
      // dist/.gitkeep is committed so that `//go:embed all:dist` compiles before
      // any build; put it back after Vite empties the output folder.
      name: 'catena-keep-dist',
      closeBundle() {
        writeFileSync(resolve(import.meta.dirname, 'dist/.gitkeep'), '');
      },
    },
  ],
  server: {
    proxy: {
      // Host is kept (no changeOrigin): the gateway accepts cookie requests only
      // when Origin matches the Host they were sent to.
      '/graphql': { target: api, ws: true },
      '/healthz': api,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
