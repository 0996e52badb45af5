import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * Builds the browser app in `web/` into `dist/` (served by the reference node's explorer
 * server). Everything is bundled: no CDN, no external fonts. `source` resolves workspace
 * packages to their TypeScript sources.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  logLevel: 'warn',
  resolve: { conditions: ['source', 'module', 'browser', 'production'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
})
