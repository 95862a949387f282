import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Package boundaries: protocol imports nothing of Brume; agent and server never import each other. And production code
// never imports the test tree (test/fakes, test/fixtures, test/support): the server runs its sources directly and the
// agent's bundle takes whatever its modules import, so a fake reached from production code would ship.
const testTree = { group: ['**/test/**'], message: 'production code must not import from test/' };
const boundary = (forbidden, extra = []) => ({
  'no-restricted-imports': [
    'error',
    { patterns: [...forbidden.map((group) => ({ group: [group], message: 'crosses a package boundary' })), ...extra] },
  ],
});
// Each package's files and the imports forbidden to them; production files (not *.test.ts) also may not import test/.
const packages = [
  [['protocol/**/*.ts'], ['@brume/*', '**/agent/**', '**/server/**']],
  [['agent/**/*.ts'], ['@brume/server', '@brume/server/*', '**/server/**']],
  [['server/**/*.ts'], ['@brume/agent', '@brume/agent/*', '**/agent/**']],
  [['bin/**/*.ts'], []],
];

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
  // A later entry replaces the rule for the files it matches, so the production entry repeats the package's boundary.
  ...packages.flatMap(([files, forbidden]) => [
    { files, rules: boundary(forbidden) },
    { files, ignores: ['**/*.test.ts'], rules: boundary(forbidden, [testTree]) },
  ]),
  { files: ['eslint.config.js', 'vitest.config.ts'], rules: { 'no-restricted-exports': 'off' } },
  // The web dashboard's page (server/web): plain ES modules that run in the browser.
  {
    files: ['server/web/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        localStorage: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        Event: 'readonly',
        Node: 'readonly',
        alert: 'readonly',
        confirm: 'readonly',
      },
    },
  },
);
