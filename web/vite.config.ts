import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard is served by weft at /ui/ (src/transport/http/ui-routes.ts) from web/dist.
// `npx vite --config web/vite.config.ts` serves it in development and proxies the API to a weft
// on :8700 (WEFT_URL overrides).
const root = fileURLToPath(new URL('.', import.meta.url));
const target = process.env.WEFT_URL ?? 'http://127.0.0.1:8700';
const api = ['/v1', '/tasks', '/endpoints', '/w/', '/openapi.json', '/healthz'];

export default defineConfig({
  root,
  base: '/ui/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Default 500 kB: React + xyflow + uPlot are about that together; one bundle is fine for a dashboard.
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      ...Object.fromEntries(api.map((p) => [p, target])),
      '/ws': { target, ws: true },
    },
  },
});
