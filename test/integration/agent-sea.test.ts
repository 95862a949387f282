// The agent as the PXE ramdisk runs it: dist/agent/brume, one executable (Node 24 SEA), started with an empty
// environment from /tmp — no Node on PATH, no node_modules, no checkout to fall back on — captures the GPT sample disk,
// verifies the image and deploys it to a second disk, file for file. It exercises both native addons (koffi reads the
// disk's geometry, zstd-napi (de)compresses) and the codec worker threads, all loaded from inside the executable.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoopDisk, type LoopDisk } from '../support/loop-disk.ts';
import { buildGptSample, type SampleDisk } from '../support/sample-disks.ts';
import { compareWithSample } from '../support/sample-check.ts';

const MiB = 1024 * 1024;
const repo = fileURLToPath(new URL('../..', import.meta.url));
const executable = join(repo, 'dist/agent/brume');
// What the ramdisk has: the system's tools (partclone, sfdisk, zstd…) and nothing of Node.
const bareEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

interface SeaRun {
  code: number;
  stdout: string;
  stderr: string;
  result: Record<string, unknown> | undefined;
}

function runSea(args: string[], cwd = '/tmp'): Promise<SeaRun> {
  return new Promise((resolve) => {
    const child = execFile(executable, args, { env: bareEnv, cwd, maxBuffer: 64 * MiB }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, result: events.findLast((event) => event['type'] === 'result') });
    });
    child.stdin?.end();
  });
}

const addonLeftovers = (): string[] => readdirSync('/tmp').filter((name) => name.startsWith('brume-addon-'));
const work = mkdtempSync(join(tmpdir(), 'brume-sea-'));
const imageDir = join(work, 'image');
const disks: LoopDisk[] = [];
let sample: SampleDisk;
let leftoversBefore: string[] = [];

beforeAll(async () => {
  // Always rebuilt, so the test runs the sources as they are: the whole build takes a few seconds.
  await promisify(execFile)(process.execPath, [join(repo, 'agent/sea/build.ts')], { cwd: repo });
  const source = await createLoopDisk(work, 'source', 512 * MiB);
  disks.push(source);
  sample = await buildGptSample(source);
  leftoversBefore = addonLeftovers();
});

afterAll(async () => {
  for (const disk of disks) await disk.detach();
  rmSync(work, { recursive: true, force: true });
});

describe('dist/agent/brume, the single executable, in an empty environment', () => {
  it('answers --help from / with the agent commands and no warning', async () => {
    const run = await runSea(['--help'], '/');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/brume capture --disk DEV --to DIR/);
    expect(run.stderr).not.toMatch(/brume server|Warning/);
  });

  it('captures the GPT sample, verifies the image, deploys it to another disk: every file matches', async () => {
    const source = disks[0];
    if (source === undefined) throw new Error('no source disk');
    const capture = await runSea([
      'capture',
      '--disk',
      source.path,
      '--to',
      imageDir,
      '--chunk-size',
      String(4 * MiB),
      '--json',
    ]);
    expect(capture.code, capture.stderr).toBe(0);
    expect(capture.result?.['state']).toBe('done');
    // A rejected code cache or an experimental-feature notice would show here.
    expect(capture.stderr).not.toMatch(/Warning/);

    const verify = await runSea(['image', 'verify', imageDir, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect((verify.result?.['summary'] as Record<string, unknown> | undefined)?.['verified']).toBe(true);

    const target = await createLoopDisk(work, 'target', 512 * MiB);
    disks.push(target);
    const deploy = await runSea(['deploy', '--from', imageDir, '--disk', target.path, '--yes', '--json']);
    expect(deploy.code, `${deploy.stderr}\n${JSON.stringify(deploy.result)}`).toBe(0);
    expect((await compareWithSample(target, sample)).mismatches).toEqual([]);
  });

  it('leaves no copy of its native addons behind in /tmp', () => {
    expect(addonLeftovers().filter((name) => !leftoversBefore.includes(name))).toEqual([]);
  });
});
