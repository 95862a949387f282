// A room of simulated agents, run as its own process (so its CPU is not counted as the server's): each agent has its own
// keep-alive connection, like a real PC, and posts one progress event per second, spread evenly over the second.
//   node bench/lib/progress-load.ts URL TASKS.json SECONDS   → one JSON line: latency percentiles, errors
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

interface AgentTask {
  id: number;
  token: string;
}

const [url, tasksFile, secondsText] = process.argv.slice(2);
if (url === undefined || tasksFile === undefined || secondsText === undefined)
  throw new Error('usage: progress-load.ts URL TASKS.json SECONDS');
const agents = JSON.parse(readFileSync(tasksFile, 'utf8')) as AgentTask[];
const seconds = Number(secondsText);
const pool = new Pool(url, { connections: agents.length, pipelining: 1, keepAliveTimeout: 60_000 });

function progressBody(second: number): string {
  const bytesDone = second * 100_000_000;
  const event = {
    type: 'progress',
    ts: new Date().toISOString(),
    phase: 'restore',
    target: 'd1p2',
    bytesDone,
    bytesTotal: 60e9,
    bytesPerSecond: 1e8,
    etaSeconds: (60e9 - bytesDone) / 1e8,
  };
  return JSON.stringify({ events: [event] });
}

const latencies: number[] = [];
const failures = new Map<string, number>();
let late = 0;
const inFlight = new Set<Promise<void>>();

async function post(agent: AgentTask, second: number): Promise<void> {
  const started = performance.now();
  try {
    const { statusCode, body } = await pool.request({
      method: 'POST',
      path: `/api/v1/tasks/${agent.id}/events`,
      headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
      body: progressBody(second),
    });
    await body.dump();
    if (statusCode >= 300) failures.set(`HTTP ${statusCode}`, (failures.get(`HTTP ${statusCode}`) ?? 0) + 1);
    else latencies.push(performance.now() - started);
  } catch (error) {
    const key = (error as { code?: string }).code ?? String(error);
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
}

// Request k goes to agent k mod N at t0 + k/N seconds: N requests a second, evenly spread, for `seconds` seconds.
const total = agents.length * seconds;
const started = performance.now();
let sent = 0;
while (sent < total) {
  const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * agents.length));
  if (due - sent > agents.length / 10) late++;
  for (; sent < due; sent++) {
    const agent = agents[sent % agents.length];
    if (agent === undefined) continue;
    const request = post(agent, Math.floor(sent / agents.length));
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await sleep(1);
}
await Promise.all(inFlight);
await pool.close();

const sorted = latencies.sort((a, b) => a - b);
const percentile = (p: number): number =>
  Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    agents: agents.length,
    seconds,
    requests: total,
    ok: sorted.length,
    failures: Object.fromEntries(failures),
    /** Ticks where the generator itself fell behind by more than a tenth of a second's requests. */
    generatorLateTicks: late,
    latencyMs: {
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      max: Math.round((sorted.at(-1) ?? Number.NaN) * 10) / 10,
    },
  })}\n`,
);
