import { defineConfig, defaultClientConditions } from 'vite';

// The page talks to weft through this dev server (same origin: no CORS needed for the REST calls).
const target = process.env.WEFT_URL ?? 'http://127.0.0.1:8700';

export default defineConfig({
  root: import.meta.dirname,
  // weft-source: use @weft/client's TypeScript sources, no build needed.
  resolve: { conditions: ['weft-source', ...defaultClientConditions] },
  // A demo only: a real page would get a short-lived token from its own backend, not a key.
  define: { __WEFT_API_KEY__: JSON.stringify(process.env.WEFT_API_KEY ?? '') },
  server: {
    host: '127.0.0.1',
    // The README names this address (logLevel 'warn' below keeps Vite from printing it); a port that is
    // taken fails the start instead of moving elsewhere unannounced. `npx vite … --port N` picks another.
    port: 5173,
    strictPort: true,
    proxy: {
      '/v1': target,
      '/ws': { target: target.replace(/^http/, 'ws'), ws: true },
    },
  },
  logLevel: 'warn',
});
