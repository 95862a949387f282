import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnBrume, type CliRun } from './brume-cli.ts';
import { startFaultProxy, type FaultKind, type FaultPlan } from './fault-proxy.ts';
import { createLoopDisk, type LoopDisk } from './loop-disk.ts';
import { createPrng, hashSeed } from './prng.ts';
import { buildGptSample, type SampleDisk } from './sample-disks.ts';
import { compareWithSample } from './sample-check.ts';
import { apiClient, startServerProcess, type ServerProcess } from './server-process.ts';

const MiB = 1024 * 1024;
const CHUNK = String(2 * MiB);
/** The agent's own read and idle timeout (seconds) and the server's body idle timeout: small, so a silent cut costs seconds. */
export const FAULT_TIMEOUTS = {
  agentSeconds: 4,
  serverBodyIdle: '3s',
  serverHeaders: '5s',
  serverRequest: '2m',
} as const;
/** Past this a run is a hang: it is killed and reported as one. */
const HANG_MS = 240_000;

export type FaultTask = 'capture' | 'deploy';

export interface FaultCase {
  task: FaultTask;
  fault: FaultKind;
  seed: number;
}

export interface FaultOutcome extends FaultCase {
  plan: FaultPlan;
  /** The fault struck (the traffic reached its point). */
  struck: boolean;
  /** The agent ended its task as done, and what it made checks out (the image verifies; the copy's files match). */
  survived: boolean;
  /** The task's state at the end (done, failed, ...), or `hung` if the agent was still running past HANG_MS. */
  state: string;
  /** The run's time beyond the same run without a fault. */
  extraMs: number;
  /** A published image that does not verify, or a done deploy whose files differ. */
  corrupt: boolean;
  /** An image directory without its manifest, or an image listed for a task that did not finish. */
  halfPublished: boolean;
  detail: string;
}

export interface FaultBench {
  run(fault: FaultCase): Promise<FaultOutcome>;
  close(): Promise<void>;
}

interface Clean {
  bytes: number;
  ms: number;
}

/**
 * A real server with small timeouts, a sample source disk, a target disk and a published base image: each run then
 * captures or deploys through a fault proxy striking once at a point drawn from its seed.
 */
export async function openFaultBench(work: string): Promise<FaultBench> {
  const disks: LoopDisk[] = [];
  const source = await createLoopDisk(work, 'fault-source', 512 * MiB);
  disks.push(source);
  const sample = await buildGptSample(source);
  const target = await createLoopDisk(work, 'fault-target', 512 * MiB);
  disks.push(target);
  const dataDir = join(work, 'fault-server');
  const server = await startServerProcess(dataDir, 0, [
    '--body-idle-timeout',
    FAULT_TIMEOUTS.serverBodyIdle,
    '--headers-timeout',
    FAULT_TIMEOUTS.serverHeaders,
    '--request-timeout',
    FAULT_TIMEOUTS.serverRequest,
  ]);
  const admin = apiClient(server.url, server.adminToken);
  for (const [name, mac] of [
    ['fault-master', '52:54:00:00:10:01'],
    ['fault-pc', '52:54:00:00:10:02'],
  ] as const) {
    const made = await admin.post('/hosts', { name, macs: [mac] });
    if (made.status !== 201) throw new Error(`host ${name}: ${JSON.stringify(made.body)}`);
  }
  let count = 0;
  const context: RunContext = { server, admin, sample, source, target, dataDir, nextImage: () => `fault-${++count}` };
  const base = context.nextImage();
  const clean: Record<FaultTask, Clean> = {
    capture: await cleanRun(context, 'capture', base),
    deploy: await cleanRun(context, 'deploy', base),
  };
  return {
    run: (fault) => faultedRun(context, fault, clean[fault.task], base),
    close: async () => {
      await server.stop();
      for (const disk of disks) await disk.detach();
    },
  };
}

interface RunContext {
  server: ServerProcess;
  admin: ReturnType<typeof apiClient>;
  sample: SampleDisk;
  source: LoopDisk;
  target: LoopDisk;
  dataDir: string;
  nextImage(): string;
}

interface AgentRun {
  run: CliRun | undefined;
  ms: number;
  taskId: number;
  image: string;
}

async function runTask(context: RunContext, task: FaultTask, image: string, url: string): Promise<AgentRun> {
  const host = task === 'capture' ? 'fault-master' : 'fault-pc';
  const created = await context.admin.createTask(task, host, image);
  const disk = task === 'capture' ? context.source : context.target;
  const started = performance.now();
  const agent = spawnBrume([
    'agent',
    '--server',
    url,
    '--task',
    String(created.id),
    '--token',
    created.token,
    '--disk',
    disk.path,
    '--chunk-size',
    CHUNK,
    '--timeout',
    String(FAULT_TIMEOUTS.agentSeconds),
    '--json',
  ]);
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), HANG_MS)));
  const run = await Promise.race([agent.done, hung]);
  clearTimeout(timer);
  if (run === undefined) {
    agent.child.kill('SIGKILL');
    await agent.done;
  }
  return { run, ms: performance.now() - started, taskId: created.id, image };
}

async function cleanRun(context: RunContext, task: FaultTask, image: string): Promise<Clean> {
  const proxy = await startFaultProxy(new URL(context.server.url), {
    kind: 'reset',
    atByte: Number.POSITIVE_INFINITY,
    holdMs: 0,
  });
  try {
    const result = await runTask(context, task, image, proxy.url);
    if (result.run?.code !== 0) throw new Error(`the ${task} without a fault failed: ${result.run?.stderr ?? 'hung'}`);
    return { bytes: proxy.bytes(), ms: result.ms };
  } finally {
    await proxy.close();
  }
}

/** The fault's point and length from its seed alone, so a failing seed is replayed exactly. */
export function faultPlan(fault: FaultCase, totalBytes: number): FaultPlan {
  const prng = createPrng(hashSeed(`${fault.task}:${fault.fault}:${fault.seed}`));
  return { kind: fault.fault, atByte: prng.int(1, Math.max(1, totalBytes - 1)), holdMs: prng.int(1000, 8000) };
}

async function faultedRun(context: RunContext, fault: FaultCase, clean: Clean, base: string): Promise<FaultOutcome> {
  const plan = faultPlan(fault, clean.bytes);
  const proxy = await startFaultProxy(new URL(context.server.url), plan);
  const image = fault.task === 'capture' ? context.nextImage() : base;
  let result: AgentRun;
  try {
    result = await runTask(context, fault.task, image, proxy.url);
  } finally {
    await proxy.close();
  }
  const ended = (
    await context.admin.get<{ state: string; error: { code: string; message: string } | null }>(
      `/tasks/${result.taskId}`,
    )
  ).body;
  const state = result.run === undefined ? 'hung' : ended.state;
  const check =
    fault.task === 'capture' ? await checkCapture(context, image, state) : await checkDeploy(context, state);
  return {
    ...fault,
    plan,
    struck: proxy.firedAt() !== undefined,
    state,
    survived: state === 'done' && check.ok,
    extraMs: Math.max(0, Math.round(result.ms - clean.ms)),
    corrupt: check.corrupt,
    halfPublished: halfPublished(context.dataDir) || check.halfPublished,
    detail:
      check.detail ||
      (ended.error === null ? '' : `${ended.error.code}: ${ended.error.message.slice(0, 300)}`) ||
      (result.run === undefined || result.run.code === 0 ? '' : lastLine(result.run.stderr)),
  };
}

interface Check {
  ok: boolean;
  corrupt: boolean;
  halfPublished: boolean;
  detail: string;
}

async function checkCapture(context: RunContext, image: string, state: string): Promise<Check> {
  const listed = (await context.admin.get<{ images: Array<{ name: string }> }>('/images')).body.images.some(
    (entry) => entry.name === image,
  );
  if (!listed)
    return {
      ok: false,
      corrupt: false,
      halfPublished: false,
      detail: state === 'done' ? 'done, but no image listed' : '',
    };
  const verify = await context.admin.post<{ ok: boolean; problems: unknown[] }>(`/images/${image}/verify`);
  const ok = verify.status === 200 && verify.body.ok;
  return {
    ok,
    corrupt: !ok,
    halfPublished: state !== 'done',
    detail: ok ? '' : `verify: ${JSON.stringify(verify.body).slice(0, 300)}`,
  };
}

async function checkDeploy(context: RunContext, state: string): Promise<Check> {
  if (state !== 'done') return { ok: false, corrupt: false, halfPublished: false, detail: '' };
  const comparison = await compareWithSample(context.target, context.sample);
  const ok = comparison.mismatches.length === 0 && comparison.files > 0;
  return { ok, corrupt: !ok, halfPublished: false, detail: ok ? '' : comparison.mismatches.slice(0, 3).join('; ') };
}

/** An image directory without its manifest: a publish that was not atomic. */
function halfPublished(dataDir: string): boolean {
  const images = join(dataDir, 'images');
  if (!existsSync(images)) return false;
  return readdirSync(images).some((name) => !existsSync(join(images, name, 'manifest.json')));
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
