import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Package boundaries (style.md §1): protocol imports nothing of Brume; agent and server never import each other.
const boundary = (forbidden) => ({
  'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message: 'crosses a package boundary' })) }],
});

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-exports': ['error', { restrictDefaultExports: { direct: true } }],
    },
  },
  { files: ['protocol/**/*.ts'], rules: boundary(['@brume/*', '**/agent/**', '**/server/**']) },
  { files: ['agent/**/*.ts'], rules: boundary(['@brume/server', '@brume/server/*', '**/server/**']) },
  { files: ['server/**/*.ts'], rules: boundary(['@brume/agent', '@brume/agent/*', '**/agent/**']) },
  { files: ['eslint.config.js', 'vitest.config.ts'], rules: { 'no-restricted-exports': 'off' } },
  // The web dashboard's page (server/web): plain ES modules that run in the browser.
  {
    files: ['server/web/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', window: 'readonly', location: 'readonly', localStorage: 'readonly', fetch: 'readonly', EventSource: 'readonly', Event: 'readonly', Node: 'readonly', alert: 'readonly', confirm: 'readonly' },
    },
  },
);
