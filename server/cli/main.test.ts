import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUsage, runAdminCli } from './main.ts';
import type { Terminal } from './output.ts';

/** A terminal that keeps what a command printed. */
function capture(): Terminal & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    tty: undefined,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const term = capture();
  const code = await runAdminCli(argv, { term, env, pollMs: 10 });
  return { code, stdout: term.stdout(), stderr: term.stderr() };
}

describe('the command line, before any server is asked', () => {
  it('leaves other commands to the engine', async () => {
    expect(await run(['capture', '--disk', '/dev/sda'])).toMatchObject({ code: undefined, stdout: '', stderr: '' });
    expect(await run([])).toMatchObject({ code: undefined });
    expect(await run(['toString'])).toMatchObject({ code: undefined });
  });

  it('lists every admin command in its usage', () => {
    for (const line of [
      'host    add NAME --mac MAC',
      'image   verify NAME',
      'task    watch ID',
      'task    logs ID [--file NAME]',
      'BRUME_TOKEN_FILE',
    ]) {
      expect(adminUsage).toContain(line);
    }
  });

  it('answers an unknown subcommand with the usage on stderr, exit 2', async () => {
    const result = await run(['host', 'frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('brume host: unknown subcommand "frobnicate"');
    expect(result.stderr).toContain('brume host    list');
    expect((await run(['task'])).code).toBe(2);
  });

  it.each([
    [['host', 'add', 'pc-01'], '--mac is required'],
    [['host', 'add', '--mac', '52:54:00:00:00:01'], 'missing NAME'],
    [['host', 'add', 'pc-01', '--mac', 'zz'], '--mac: a MAC address'],
    [['host', 'add', 'PC 01', '--mac', '52:54:00:00:00:01'], 'NAME: a host name'],
    [['host', 'list', '--colour'], "Unknown option '--colour'"],
    [['task', 'capture', '--host', 'pc-01'], '--image is required'],
    [['task', 'deploy', '--host', 'pc-01', '--image', 'win11', '--disk', 'sda'], '--disk'],
    [['task', 'list', '--limit', '0'], '--limit'],
    [['task', 'show', '12', '13'], 'unexpected argument "13"'],
    [['task', 'cancel', 'x'], 'a task id is a positive integer'],
    [['image', 'show', '../etc'], 'NAME: an image name'],
  ])('%j is bad input: %s, usage, exit 2', async (argv, message) => {
    const result = await run(argv, { BRUME_SERVER: 'http://127.0.0.1:9', BRUME_TOKEN: 't' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: brume');
  });

  it('explains a missing server or token, exit 2', async () => {
    const noServer = await run(['host', 'list'], { BRUME_TOKEN: 't' });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('brume host list: no server given: pass --server URL or set BRUME_SERVER');
    const noToken = await run(['host', 'list', '--server', 'http://127.0.0.1:9']);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('no admin token given');
  });

  it('prints a command’s usage on --help, exit 0', async () => {
    const result = await run(['task', 'watch', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('usage: brume task watch ID [--server URL] [--token T] [--json]\n');
  });
});

describe('answers that do not follow the contract', () => {
  let server: Server;
  let url = '';
  const answers: Record<string, { status: number; body: string }> = {
    '/api/v1/hosts': { status: 200, body: JSON.stringify({ hosts: [{ id: 1, name: 'pc-01' }] }) },
    '/api/v1/images': { status: 502, body: '<html>Bad Gateway</html>' },
    '/api/v1/tasks/7': { status: 418, body: JSON.stringify({ error: { code: 'TEAPOT', message: 'short and stout' } }) },
    // A code that every object has, but no code of the error table: its exit code must not be looked up.
    '/api/v1/tasks/8': { status: 400, body: JSON.stringify({ error: { code: 'toString', message: 'not ours' } }) },
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const answer = answers[request.url ?? ''] ?? { status: 404, body: '' };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a document its schema rejects, naming the field (INTERNAL, exit 1)', async () => {
    const result = await run(['host', 'list', '--json'], { BRUME_SERVER: url, BRUME_TOKEN: 't' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^brume host list: the server's answer to GET \/hosts does not follow the protocol at hosts\.0\.macs: .* \(INTERNAL\)\n/,
    );
  });

  it('reports an error that is not the API’s with its HTTP status', async () => {
    const result = await run(['image', 'list'], { BRUME_SERVER: url, BRUME_TOKEN: 't' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('GET /images answered HTTP 502: <html>Bad Gateway</html> (INTERNAL)');
  });

  it('keeps the code of an error it does not know', async () => {
    const result = await run(['task', 'show', '7'], { BRUME_SERVER: url, BRUME_TOKEN: 't' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('short and stout (TEAPOT, HTTP 418)');
  });

  it('takes a code the table has only as an inherited property (toString) as INTERNAL', async () => {
    const result = await run(['task', 'show', '8'], { BRUME_SERVER: url, BRUME_TOKEN: 't' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('brume task show: not ours (toString, HTTP 400) (INTERNAL)\n');
  });
});
