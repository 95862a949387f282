// The import boundaries lint enforces, checked against the project's own eslint.config.js: production code of every
// package is refused an import of the test tree (the server runs its sources, so a fake it imported would ship), while
// tests may import it; and agent and server stay out of each other.
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

/** The no-restricted-imports messages ESLint gives `source` as if it were the file at `path`. */
async function restrictedImports(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: resolve(ROOT, path) });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

const harness = (from: string): string => `import { ADMIN_TOKEN } from '${from}';\nexport const token = ADMIN_TOKEN;\n`;

describe('lint: import boundaries', () => {
  it.each([
    ['server/src/ipxe-extra.ts', '../../test/fakes/server-harness.ts'],
    ['server/cli/extra.ts', '../../test/fakes/server-harness.ts'],
    ['agent/src/care/extra.ts', '../../../test/fakes/server-harness.ts'],
    ['protocol/src/extra.ts', '../../test/fakes/server-harness.ts'],
    ['bin/extra.ts', '../test/fakes/server-harness.ts'],
  ])('refuses %s an import of the test tree', async (path, from) => {
    expect(await restrictedImports(path, harness(from))).toEqual([
      expect.stringContaining('production code must not import from test/'),
    ]);
  });

  it('lets a test import the test tree, and still keeps it inside its package', async () => {
    expect(await restrictedImports('server/src/extra.test.ts', harness('../../test/fakes/server-harness.ts'))).toEqual(
      [],
    );
    const crossing = "import type { Runner } from '../../agent/src/sys/exec.ts';\nexport type R = Runner;\n";
    expect(await restrictedImports('server/src/extra.test.ts', crossing)).toEqual([
      expect.stringContaining('crosses a package boundary'),
    ]);
    expect(await restrictedImports('server/src/extra.ts', crossing)).toEqual([
      expect.stringContaining('crosses a package boundary'),
    ]);
  });
});
