// The README's "Adding a task kind", followed for a trivial kind in a copy of this repository: the two new files and the
// two registry lines, nothing else. The copy type-checks, and its own server, admin CLI and agent run the new kind.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOOP_AGENT_FILE, NOOP_PROTOCOL_FILE, NOOP_REGISTRY_LINES } from '../support/noop-kind.ts';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
let copy: string;
let server: ReturnType<typeof execFile> | undefined;

/** The tracked files of the working tree, with the tools and the libraries linked (the workspace packages are the copy's own). */
async function copyRepository(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'brume-add-kind-'));
  const { stdout } = await run('git', ['ls-files', '-z'], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter((name) => name !== '')) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(repo, file), join(dir, file), { dereference: false, errorOnExist: false, force: true });
  }
  symlinkSync(join(repo, '.tools'), join(dir, '.tools'));
  mkdirSync(join(dir, 'node_modules/@brume'), { recursive: true });
  for (const entry of readdirSync(join(repo, 'node_modules'))) {
    if (entry !== '@brume') symlinkSync(join(repo, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const name of ['protocol', 'agent', 'server'])
    symlinkSync(join(dir, name), join(dir, 'node_modules/@brume', name));
  return dir;
}

/** What the README says to do: two files, two lines in two registries. */
function addNoopKind(dir: string): string[] {
  writeFileSync(join(dir, 'protocol/src/kinds/noop.ts'), NOOP_PROTOCOL_FILE);
  writeFileSync(join(dir, 'agent/src/tasks/noop.ts'), NOOP_AGENT_FILE);
  for (const [file, importAfter, line, entryAfter, entry] of NOOP_REGISTRY_LINES) {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text, file).toContain(importAfter);
    expect(text, file).toContain(entryAfter);
    writeFileSync(
      join(dir, file),
      text.replace(importAfter, `${importAfter}\n${line}`).replace(entryAfter, `${entryAfter}\n${entry}`),
    );
  }
  return ['protocol/src/kinds/noop.ts', 'agent/src/tasks/noop.ts', ...NOOP_REGISTRY_LINES.map(([file]) => file)];
}

const brume = async (
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> =>
  run(join(copy, 'bin/brume'), args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }));

beforeAll(async () => {
  copy = await copyRepository();
}, 120_000);
afterAll(async () => {
  server?.kill('SIGTERM');
  rmSync(copy, { recursive: true, force: true });
});

describe('adding a task kind, as the README says', () => {
  it('touches two new files and two registry lines, and the whole repository type-checks', async () => {
    expect(addNoopKind(copy)).toEqual([
      'protocol/src/kinds/noop.ts',
      'agent/src/tasks/noop.ts',
      'protocol/src/kinds/index.ts',
      'agent/src/tasks/index.ts',
    ]);
    const tsc = await run(
      join(copy, '.tools/node/bin/node'),
      [join(copy, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      { cwd: copy, maxBuffer: 16 * 1024 * 1024 },
    )
      .then(() => ({ code: 0, out: '' }))
      .catch((error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, out: error.stdout ?? '' }));
    expect(tsc, tsc.out).toEqual({ code: 0, out: '' });
  }, 300_000);

  it("runs through the copy's server, admin CLI and agent: made with its flag, done with its result, its bytes in history", async () => {
    const data = join(copy, 'data');
    const child = execFile(join(copy, 'bin/brume'), ['server', '--data', data, '--listen', '127.0.0.1:0']);
    server = child;
    const url = await new Promise<string>((done, fail) => {
      let seen = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /"msg":"listening"[^\n]*"url":"([^"]+)"|"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(seen);
        if (match !== null) done(match[1] ?? match[2] ?? '');
      });
      child.once('exit', (code) => fail(new Error(`server exited ${code}: ${seen}`)));
    });
    const env = { BRUME_SERVER: url, BRUME_TOKEN: readFileSync(join(data, 'admin.token'), 'utf8').trim() };
    expect((await brume(['host', 'add', 'pc-01', '--mac', '52:54:00:00:16:99'], env)).code).toBe(0);
    const help = await brume(['task', 'noop', '--help'], env);
    expect(help.stdout).toBe(
      'usage: brume task noop (--host H | --group G) [--words TEXT] [--debug] [--server URL] [--token T] [--json]\n',
    );
    const created = await brume(['task', 'noop', '--host', 'pc-01', '--words', 'hello', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { task, token } = JSON.parse(created.stdout) as { task: { id: number; params: unknown }; token: string };
    expect(task.params).toEqual({ words: 'hello' });
    const agent = await brume([
      'agent',
      '--server',
      url,
      '--task',
      String(task.id),
      '--token',
      token,
      '--json',
      '--log-dir',
      join(copy, 'agent-logs'),
    ]);
    expect(agent.code, agent.stderr).toBe(0);
    const shown = JSON.parse((await brume(['task', 'show', String(task.id), '--json'], env)).stdout) as Record<
      string,
      unknown
    >;
    expect(shown).toMatchObject({ kind: 'noop', state: 'done', result: { said: 'hello', bytes: 5 }, bytes: 5 });
  }, 120_000);
});
