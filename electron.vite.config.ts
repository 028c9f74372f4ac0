import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          // The Electron host, the engine worker both hosts start, and the `vigil` CLI (Node host).
          index: resolve('src-main/host/electron/main.ts'),
          engine: resolve('src-main/engine/worker.ts'),
          // Sigma and the ensemble's half of a detection pass, in a thread of its own (detect/side-pass.ts).
          'side-worker': resolve('src-main/engine/detect/side-worker.ts'),
          // An import's parsing, template mining and entity extraction (ingest/normalizer-thread.ts).
          'normalize-worker': resolve('src-main/engine/ingest/normalize-worker.ts'),
          // The Node host's HTTP API requests, each in a thread of its own (host/server/api.ts).
          'api-worker': resolve('src-main/host/server/api-worker.ts'),
          cli: resolve('src-main/cli/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve('src-main/host/electron/preload.ts') },
        // Sandboxed preloads cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rolldownOptions: {
        input: {
          index: resolve('src-renderer/index.html'),
          // The browser host's bridge; the Node server injects it, Electron never loads it.
          'vigil-bridge': resolve('src-main/host/browser/bridge.ts'),
        },
        output: {
          entryFileNames: (chunk) => (chunk.name === 'vigil-bridge' ? 'vigil-bridge.js' : 'assets/[name]-[hash].js'),
        },
      },
    },
  },
});
