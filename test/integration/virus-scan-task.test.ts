// The virus-scan task end to end: the real server on 127.0.0.1 holds a test signature database an admin
// uploaded with `brume signatures upload`; `brume task virus-scan` makes a task; `brume agent` runs it against a loop
// disk whose ext4 and NTFS partitions each hold the EICAR test file among clean files. `brume task show ID --json` lists
// exactly the two infected files, and the disk's every byte is the same. Without signatures the task fails with
// NO_SIGNATURES before anything is mounted; a signature file name with a path in it is refused.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, SignatureList, Task, TaskCreated } from '@brume/protocol';
import { failureOf, runBrume, type CliRun } from '../support/brume-cli.ts';
import { buildDisk } from '../support/disk-builder.ts';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { withMount } from '../support/mount.ts';
import { rawHash } from '../support/raw-bytes.ts';
import { sampleTree } from '../support/sample-tree.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { tool } from '../support/tools.ts';

const MiB = 1024 * 1024;
const MS_BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
/** The published 68-byte EICAR test string, put together at run time so that no file in the repository holds it. */
const EICAR = Buffer.from(
  ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR', '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''),
  'latin1',
);
const SIGNATURE = 'Brume-Test-EICAR';
const INFECTED = { ext4: '/home/pupil/Downloads/not a virus.com', ntfs: '/Users/Public/Downloads/eicar.com' } as const;

const work = mkdtempSync(join(tmpdir(), 'brume-virus-task-'));
const staging = join(work, 'staging');
let server: ServerProcess | undefined;
let disk: LoopDisk | undefined;
let env: Record<string, string> = {};

interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}
const brume = fileURLToPath(new URL('../../bin/brume', import.meta.url));
/** An admin command as a user types it, with --json (one JSON document, not NDJSON: runBrume is for the agent). */
const admin = (...args: string[]): Promise<AdminRun> =>
  new Promise((resolve) => {
    execFile(brume, [...args, '--json'], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    }).stdin?.end();
  });
const parsed = <T>(run: AdminRun, schema: { parse(value: unknown): T }): T => {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  return schema.parse(JSON.parse(run.stdout));
};
const theDisk = (): LoopDisk => {
  if (disk === undefined) throw new Error('no disk');
  return disk;
};

async function newScanTask(): Promise<TaskCreated> {
  return parsed(await admin('task', 'virus-scan', '--host', 'pc1', '--disk', theDisk().path), TaskCreated);
}

const runAgent = (created: TaskCreated): Promise<CliRun> =>
  runBrume([
    'agent',
    '--server',
    server?.url ?? '',
    '--task',
    String(created.task.id),
    '--token',
    created.token,
    '--json',
    '--staging',
    staging,
    '--log-dir',
    mkdtempSync(join(work, 'logs-')),
  ]);

const showTask = async (id: number): Promise<Task> => parsed(await admin('task', 'show', String(id)), Task);

/** Nothing of a scan is left: no mount, every partition writable, the agent's signature copy gone. */
async function expectNothingLeft(): Promise<void> {
  expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/brume-scan-/);
  for (const number of [1, 2])
    expect((await tool('blockdev', ['--getro', theDisk().partition(number)])).stdout.trim(), `p${number}`).toBe('0');
  expect(readdirSync(staging)).toEqual([]);
}

beforeAll(async () => {
  mkdirSync(staging);
  server = await startServerProcess(join(work, 'data'));
  env = { BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken };
  expect((await admin('host', 'add', 'pc1', '--mac', '52:54:00:8e:1c:a8')).code).toBe(0);

  // GPT: p1 ext4, p2 NTFS, each a small tree of clean files, then EICAR in a subdirectory.
  disk = await createLoopDisk(work, 'pc1.img', 112 * MiB);
  const files = (seed: number) =>
    sampleTree({ seed, randomBytes: 2 * MiB, textBytes: 2 * MiB, smallFiles: 30, symlinks: true });
  await buildDisk(disk, {
    script: ['label: gpt', 'size=48MiB, type=L, name="data"', `size=48MiB, type=${MS_BASIC_DATA}, name="Windows"`].join(
      '\n',
    ),
    fills: new Map([
      [1, { fs: 'ext4', label: 'data', files: files(11) }],
      [2, { fs: 'ntfs', label: 'windows', files: files(12) }],
    ] as const),
    bootAreas: [],
    seed: 5,
  });
  for (const [number, fs] of [
    [1, 'ext4'],
    [2, 'ntfs'],
  ] as const) {
    await withMount(disk.partition(number), fs, 'rw', async (dir) => {
      const path = join(dir, INFECTED[fs]);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, EICAR);
    });
  }
});

afterAll(async () => {
  await server?.stop();
  await disk?.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('a virus-scan task without signatures on the server', () => {
  it('fails with NO_SIGNATURES, mounts nothing and leaves the disk as it was', async () => {
    const before = await rawHash(theDisk().path);
    const created = await newScanTask();
    const run = await runAgent(created);
    expect(run.code, run.stderr).toBe(2);
    expect(failureOf(run)).toMatchObject({
      code: 'NO_SIGNATURES',
      message: expect.stringMatching(/has no ClamAV signatures.*brume signatures upload/),
    });
    const task = await showTask(created.task.id);
    expect(task.state).toBe('failed');
    expect(task.error?.code).toBe('NO_SIGNATURES');
    expect(task.result).toBeNull();
    // The agent stopped before the scan's first phase: it never looked at the partitions.
    expect(
      run.events.some((event) => event['type'] === 'phase' && ['inspect', 'scan'].includes(String(event['phase']))),
    ).toBe(false);
    expect(await rawHash(theDisk().path)).toBe(before);
    await expectNothingLeft();
  });
});

describe('signature uploads', () => {
  it('refuses a name with a path in it, or one that is not a ClamAV database, and stores nothing', async () => {
    const put = async (name: string): Promise<{ status: number; code: string }> => {
      const response = await request(`${server?.url ?? ''}${API_PREFIX}/signatures/${name}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${server?.adminToken ?? ''}`, 'content-type': 'application/octet-stream' },
        body: 'aaaa:4:Evil\n',
      });
      const body = (await response.body.json()) as { error: { code: string } };
      return { status: response.statusCode, code: body.error.code };
    };
    for (const name of ['..%2F..%2Fevil.hdb', '..%2Fevil.hdb', '.hidden.hdb', 'evil.sh'])
      expect(await put(name), name).toEqual({ status: 400, code: 'BAD_REQUEST' });
    // The CLI refuses a local file whose name is not a database's before it sends anything.
    const notes = join(work, 'notes.txt');
    writeFileSync(notes, 'hello\n');
    const refused = await admin('signatures', 'upload', notes);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/notes\.txt: a ClamAV database file name/);
    expect(parsed(await admin('signatures', 'list'), SignatureList).files).toEqual([]);
    expect(existsSync(join(work, 'evil.hdb'))).toBe(false);
    expect(existsSync(join(work, 'data', 'evil.hdb'))).toBe(false);
  });
});

describe('a virus-scan task with a test database uploaded by the admin', () => {
  let database: string;
  let created: TaskCreated;
  let run: CliRun;
  let task: Task;
  let before: string;

  beforeAll(async () => {
    // A test database: one MD5 signature (md5:size:name) for the EICAR bytes.
    database = join(work, 'brume-test.hdb');
    writeFileSync(database, `${createHash('md5').update(EICAR).digest('hex')}:${EICAR.length}:${SIGNATURE}\n`);
    expect((await admin('signatures', 'upload', database)).code).toBe(0);
    before = await rawHash(theDisk().path);
    created = await newScanTask();
    run = await runAgent(created);
    task = await showTask(created.task.id);
  });

  it('the admin sees the uploaded database, with its sha256', async () => {
    const { files } = parsed(await admin('signatures', 'list'), SignatureList);
    expect(files).toEqual([
      {
        name: 'brume-test.hdb',
        bytes: readFileSync(database).length,
        sha256: createHash('sha256').update(readFileSync(database)).digest('hex'),
        source: 'upload',
        modifiedAt: expect.any(String),
      },
    ]);
  });

  it('is done, and its result lists exactly the two infected files with their partitions', () => {
    expect(run.code, `${run.stderr}\n${JSON.stringify(run.result)}`).toBe(0);
    expect(task.state).toBe('done');
    expect(task.result?.['infectedFiles']).toBe(2);
    expect(task.result?.['infected']).toEqual([
      {
        partition: 1,
        device: theDisk().partition(1),
        fs: 'ext4',
        path: INFECTED.ext4,
        signature: `${SIGNATURE}.UNOFFICIAL`,
      },
      {
        partition: 2,
        device: theDisk().partition(2),
        fs: 'ntfs',
        path: INFECTED.ntfs,
        signature: `${SIGNATURE}.UNOFFICIAL`,
      },
    ]);
  });

  it('says what it scanned, and with which database', () => {
    const result: Record<string, unknown> = task.result ?? {};
    // Each tree: 30 small files, a random and a text blob, the one with spaces (clamscan skips the empty file), and EICAR.
    expect(result['filesScanned']).toBe(68);
    expect(result['bytesScanned']).toBeGreaterThan(8 * MiB);
    expect(result['signatures']).toEqual({
      databases: [
        {
          name: 'brume-test.hdb',
          bytes: readFileSync(database).length,
          sha256: createHash('sha256').update(readFileSync(database)).digest('hex'),
          source: 'upload',
        },
      ],
      known: 1,
    });
    expect(
      (result['partitions'] as { number: number; scanned: boolean }[]).map((partition) => [
        partition.number,
        partition.scanned,
      ]),
    ).toEqual([
      [1, true],
      [2, true],
    ]);
    const phases = run.events.flatMap((event) => (event['type'] === 'phase' ? [String(event['phase'])] : []));
    expect(phases).toEqual(expect.arrayContaining(['receive', 'inspect', 'scan', 'verify']));
    expect(phases.indexOf('receive')).toBeLessThan(phases.indexOf('inspect'));
  });

  it('changes nothing: the disk hashes the same, nothing stays mounted, the signature copy is gone', async () => {
    expect(await rawHash(theDisk().path)).toBe(before);
    await expectNothingLeft();
  });
});
