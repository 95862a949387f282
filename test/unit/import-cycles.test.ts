// scripts/check-import-cycles.ts, the lint step that keeps modules out of import circles, run as lint runs it: on this
// checkout (none) and on a small tree with a circle of its own.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'check-import-cycles.ts');

async function check(root?: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...(root === undefined ? [] : [root])]);
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? 1, stderr: failed.stderr ?? '' };
  }
}

describe('the import-circle check', () => {
  const tree = mkdtempSync(join(tmpdir(), 'brume-cycles-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  };

  it('passes this checkout', async () => {
    expect(await check()).toEqual({ code: 0, stderr: '' });
  });

  it('fails a circle, type-only imports included, and names its files; a plain chain passes', async () => {
    write(
      'agent/src/ui/port.ts',
      "import { open } from './adapter.ts';\nexport interface Port { close(): void }\nexport const make = open;\n",
    );
    write(
      'agent/src/ui/adapter.ts',
      "import type { Port } from './port.ts';\nexport const open = (): Port => ({ close: () => undefined });\n",
    );
    write('agent/src/ui/user.ts', "import { make } from './port.ts';\nexport const port = make();\n");
    const circle = await check(tree);
    expect(circle.code).toBe(1);
    expect(circle.stderr).toBe('import circle of 2 files:\n  agent/src/ui/adapter.ts\n  agent/src/ui/port.ts\n');
    write('agent/src/ui/port.ts', 'export interface Port { close(): void }\n');
    write('agent/src/ui/user.ts', "import { open } from './adapter.ts';\nexport const port = open();\n");
    expect(await check(tree)).toEqual({ code: 0, stderr: '' });
  });
});
