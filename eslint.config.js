// Lint, including the layering of DESIGN.md: src-shared imports nothing platform-specific, the
// engine never imports electron or a host, the renderer reaches the engine only through src-shared.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'net', 'http', 'crypto', 'stream', 'url', 'util'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.tmp/**', 'test-results/**', 'playwright-report/**', '.electron-native/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-empty-object-type': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.mjs', '*.config.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'react', 'ws', 'better-sqlite3'].map((name) => ({ name, message: 'src-shared is platform-free: contract, schemas and types only.' })),
          patterns: [
            { group: NODE_BUILTINS, message: 'src-shared is platform-free: no Node built-ins.' },
            { group: ['../*', '**/src-main/**', '**/src-renderer/**'], message: 'src-shared imports only itself.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine runs in a worker of either host and never imports electron.' }],
          patterns: [
            { group: ['**/host/**', '**/cli/**'], message: 'The engine does not know its hosts.' },
            { group: ['**/src-renderer/**'], message: 'The engine does not import the renderer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/cli/**/*.ts', 'src-main/host/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'The CLI and the Node host must run without Electron.' }] }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}', 'src-main/host/browser/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'better-sqlite3', 'ws'].map((name) => ({ name, message: 'The renderer reaches the engine only through src-shared.' })),
          patterns: [
            { group: NODE_BUILTINS, message: 'The renderer cannot use Node.' },
            { group: ['**/src-main/**', '**/engine/**'], message: 'The renderer imports only src-shared.' },
          ],
        },
      ],
    },
  },
);
