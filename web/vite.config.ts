// The dashboard build: `vite build --config web/vite.config.ts` writes dist/web, which the Vigil
// server serves (src/app/dashboard.ts). `vite --config web/vite.config.ts` is a dev server that
// proxies the API to a Vigil on localhost:8080.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = process.env.VIGIL_URL ?? 'http://127.0.0.1:8080';

// eslint-disable-next-line no-restricted-syntax -- Vite reads the default export of its config file
export default defineConfig({
  root: decodeURIComponent(new URL('.', import.meta.url).pathname),
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // Chromium/Firefox/Safari of the last few years: no legacy transforms, small output.
    target: 'es2022',
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { '/api': api, '/-': api } },
});
