import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The staff console. `npm run build` writes it to dist/web, which the server serves at /.
// `npm run dev:web` serves it with hot reload and sends /api to a running server on :3000.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: { port: 5173, proxy: { '/api': 'http://127.0.0.1:3000', '/docs': 'http://127.0.0.1:3000' } },
});
