// Builds the web client: root is web/, output web/dist with content-hashed file names under assets/ (served
// with an immutable cache header by src/api/static.ts). No React plugin: esbuild's automatic JSX runtime is
// all the app needs (no fast refresh in dev, which is an accepted trade for one dependency fewer).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  // web/public is copied as-is to the root of web/dist: the service worker (sw.js) must be served from `/` for its
  // scope to cover the whole app, so it cannot be a hashed file under assets/.
  publicDir: fileURLToPath(new URL('./public', import.meta.url)),
  esbuild: { jsx: 'automatic', jsxImportSource: 'react' },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsDir: 'assets',
    rollupOptions: {
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development: REST and gateway go to a local Accord.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/gateway': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
});
