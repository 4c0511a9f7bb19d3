import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The dashboard build. `npm run dev:web` serves it with hot reload and proxies the API (and its
 * WebSocket) to a server started with `npm start` (TW_API_URL, default http://127.0.0.1:8080).
 */
const api = process.env.TW_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline <script>/<style> anywhere: the page runs under script-src 'self'; style-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': { target: api, ws: true, changeOrigin: false },
      '/metrics': api,
      '/ready': api,
      '/live': api,
    },
  },
});
