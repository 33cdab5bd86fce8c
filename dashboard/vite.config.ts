// The dashboard's build: plain TypeScript and CSS bundled into build/dashboard (served
// at / by the control plane, src/api/dashboard/plugin.ts). Nothing is inlined (the
// Content-Security-Policy allows files of the origin only), file names carry content
// hashes (cached for a year), and the dev server forwards the API to a local control plane.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: {
    outDir: '../build/dashboard',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080', '/2017-10-31': 'http://127.0.0.1:8080' } },
});
