// The demo (README quick start): the server starts on 127.0.0.1, a sample GPT disk (ESP + ext4 + NTFS + an
// unformatted partition) is captured through `brume agent` into the server's image store, deployed by a second agent to
// a larger disk, and every file of the copy is checked against the source. Real tools, loop disks, real HTTP.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageDetail, LayoutPlan, Task, TaskCreated } from '@brume/protocol';
import { createLoopDisk, type LoopDisk } from '../test/support/loop-disk.ts';
import { buildGptSample } from '../test/support/sample-disks.ts';
import { compareWithSample } from '../test/support/sample-check.ts';
import { apiClient, startServerProcess, type ServerProcess } from '../test/support/server-process.ts';

const MiB = 1024 * 1024;
const brume = new URL('../bin/brume', import.meta.url).pathname;
const run = promisify(execFile);

/** Runs `brume ARGS --json` against the demo's server and parses the one JSON document (or the last NDJSON line). */
async function brumeJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const { stdout } = await run(brume, [...args, '--json'], { maxBuffer: 64 * MiB, env: { ...process.env, ...env } });
  try {
    return JSON.parse(stdout) as T;
  } catch {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T;
  }
}

const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
/** What a technician compares with FOG's screen: partition data (partclone's stream) per second and per minute, in 10^6 / 10^9 bytes. */
const rate = (bytes: number, secs: number): string =>
  `${(bytes / 1e6 / secs).toFixed(1)} MB/s, ${((bytes / 1e9 / secs) * 60).toFixed(2)} GB/min`;
/**
 * The engine's own time for the job (its result's `seconds`, from its start to its last byte); the server's start and
 * end times would leave out what ran before the agent's first post, and make a short job look faster than it was.
 */
const seconds = (task: Task): number => {
  const measured = (task.result as { seconds?: unknown } | null)?.seconds;
  if (typeof measured === 'number' && measured > 0) return measured;
  return (Date.parse(task.endedAt ?? '') - Date.parse(task.startedAt ?? '')) / 1000;
};

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'brume-demo-'));
  const disks: LoopDisk[] = [];
  let server: ServerProcess | undefined;
  try {
    console.log('1/6 brume server --data DATA --listen 127.0.0.1:0');
    server = await startServerProcess(join(work, 'data'));
    const env = { BRUME_SERVER: server.url, BRUME_TOKEN: server.adminToken };
    console.log(`    listening on ${server.url}; admin token in DATA/admin.token`);

    console.log('2/6 building a 512 MiB master disk: GPT, ESP (vfat) + ext4 + NTFS + unformatted, with files');
    const source = await createLoopDisk(work, 'master', 512 * MiB);
    disks.push(source);
    const sample = await buildGptSample(source);
    const target = await createLoopDisk(work, 'pc-01', 1024 * MiB);
    disks.push(target);
    await brumeJson(['host', 'add', 'master', '--mac', '52:54:00:00:00:01'], env);
    await brumeJson(['host', 'add', 'pc-01', '--mac', '52:54:00:00:00:02'], env);

    // The agent as the ramdisk runs it: the task, its token and the disk, on the command line.
    const url = server.url;
    const runAgent = (created: TaskCreated, disk: string) =>
      run(
        brume,
        ['agent', '--server', url, '--task', String(created.task.id), '--token', created.token, '--disk', disk],
        {
          maxBuffer: 64 * MiB,
        },
      );

    console.log('3/6 brume task capture --host master --image demo-2026 → brume agent --server … --task … --token …');
    const capture = await brumeJson<TaskCreated>(['task', 'capture', '--host', 'master', '--image', 'demo-2026'], env);
    console.log(`    the ramdisk would boot with: ${capture.cmdline.replace(/brume\.token=\S+/, 'brume.token=…')}`);
    await runAgent(capture, source.path);

    console.log(
      '4/6 brume task deploy --host pc-01 --image demo-2026 → a second agent deploys to a larger, 1 GiB disk',
    );
    const deploy = await brumeJson<TaskCreated>(['task', 'deploy', '--host', 'pc-01', '--image', 'demo-2026'], env);
    await runAgent(deploy, target.path);

    console.log('5/6 brume image verify demo-2026 (the server re-hashes every chunk)');
    const verified = await brumeJson<{ ok: boolean; chunks: number }>(['image', 'verify', 'demo-2026'], env);

    console.log('6/6 checking every file of the copy against the master');
    const { files, mismatches } = await compareWithSample(target, sample);

    const admin = apiClient(server.url, server.adminToken);
    const image = (await admin.get<ImageDetail>('/images/demo-2026')).body;
    const captured = (await admin.get<Task>(`/tasks/${capture.task.id}`)).body;
    const deployed = (await admin.get<Task>(`/tasks/${deploy.task.id}`)).body;
    const plan = deployed.result?.['plan'] as LayoutPlan | undefined;
    console.log(`
summary
  captured  ${mb(image.rawBytes)} of partclone streams → ${mb(image.storedBytes)} stored, uploaded over HTTP in ${seconds(captured).toFixed(1)} s (${rate(image.rawBytes, seconds(captured))} of partition data), task ${captured.state}
  deployed  over HTTP in ${seconds(deployed).toFixed(1)} s (${rate(image.rawBytes, seconds(deployed))} of partition data), task ${deployed.state}${
    plan === undefined
      ? ''
      : `, table grown for the larger disk:
${plan.partitions.map((p) => `    p${p.number} ${p.fs.padEnd(5)} ${mb(p.sourceSizeBytes).padStart(10)} → ${mb(p.sizeBytes).padStart(10)}`).join('\n')}`
  }
  logs      ${deployed.logFiles.join(', ')} (brume task logs ${deployed.id})
  verified  server side: ${verified.chunks} chunks ${verified.ok ? 'match the manifest' : 'DO NOT match'}; ${files} files, the unformatted partition and the boot area: ${mismatches.length === 0 ? 'all identical to the master' : `${mismatches.length} MISMATCHES:\n    ${mismatches.slice(0, 20).join('\n    ')}`}`);
    return mismatches.length === 0 && verified.ok && captured.state === 'done' && deployed.state === 'done' ? 0 : 1;
  } finally {
    await server?.stop();
    for (const disk of disks) await disk.detach();
    await rm(work, { recursive: true, force: true });
  }
}

const USAGE = `usage: npm run demo   (as root; scripts/demo sets the machine up first)
  a server on 127.0.0.1, a sample disk captured through brume agent, deployed to a larger disk and checked file by file
`;

if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) process.stdout.write(USAGE);
else process.exitCode = await main();
