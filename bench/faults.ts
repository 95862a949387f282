// The fault suite in full: captures and deploys of a sample disk through a proxy that cuts silently, resets, stalls,
// trickles or duplicates once, at a point drawn from each seed (test/support/fault-proxy.ts). Prints, per case, what
// survived (done and verified), the longest time a fault added to a run, and any corrupt or half-published image; exits
// 1 if there was one, or a hang. Needs root (loop devices); see bench/README.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from '../test/support/fault-proxy.ts';
import { openFaultBench, type FaultOutcome, type FaultTask } from '../test/support/fault-runs.ts';

const TASKS: readonly FaultTask[] = ['capture', 'deploy'];

interface Row {
  task: FaultTask;
  fault: FaultKind;
  tried: number;
  struck: number;
  survived: number;
  longestExtraMs: number;
  hung: number;
  corrupt: number;
  halfPublished: number;
  failures: string[];
}

function summarize(outcomes: readonly FaultOutcome[]): Row[] {
  const rows = new Map<string, Row>();
  for (const outcome of outcomes) {
    const key = `${outcome.task}:${outcome.fault}`;
    const row = rows.get(key) ?? {
      task: outcome.task,
      fault: outcome.fault,
      tried: 0,
      struck: 0,
      survived: 0,
      longestExtraMs: 0,
      hung: 0,
      corrupt: 0,
      halfPublished: 0,
      failures: [],
    };
    rows.set(key, row);
    row.tried++;
    if (outcome.struck) row.struck++;
    if (outcome.survived) row.survived++;
    else row.failures.push(`seed ${outcome.seed} (byte ${outcome.plan.atByte}): ${outcome.state} ${outcome.detail}`);
    if (outcome.state === 'hung') row.hung++;
    if (outcome.corrupt) row.corrupt++;
    if (outcome.halfPublished) row.halfPublished++;
    row.longestExtraMs = Math.max(row.longestExtraMs, outcome.extraMs);
  }
  return [...rows.values()];
}

function printTable(rows: readonly Row[]): void {
  const header = [
    'task',
    'fault',
    'tried',
    'struck',
    'survived',
    'longest extra s',
    'hung',
    'corrupt',
    'half-published',
  ];
  const lines = [
    header,
    ...rows.map((row) =>
      [
        row.task,
        row.fault,
        row.tried,
        row.struck,
        row.survived,
        (row.longestExtraMs / 1000).toFixed(1),
        row.hung,
        row.corrupt,
        row.halfPublished,
      ].map(String),
    ),
  ];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  for (const line of lines)
    process.stdout.write(`${line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`);
  for (const row of rows)
    for (const failure of row.failures) process.stdout.write(`  ${row.task} ${row.fault}: ${failure}\n`);
}

const USAGE =
  'usage: node bench/faults.ts [--seeds N] [--tasks capture,deploy] [--faults silent,reset,stall,trickle,duplicate] [--json]\n' +
  '  runs each task through each fault for seeds 1..N (default 20); exits 1 on a hang, a corrupt or a half-published image\n';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '20' },
      tasks: { type: 'string', default: TASKS.join(',') },
      faults: { type: 'string', default: FAULT_KINDS.join(',') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const seeds = Number(values.seeds);
  const tasks = values.tasks
    .split(',')
    .filter((task): task is FaultTask => (TASKS as readonly string[]).includes(task));
  const faults = values.faults
    .split(',')
    .filter((fault): fault is FaultKind => (FAULT_KINDS as readonly string[]).includes(fault));
  if (!Number.isSafeInteger(seeds) || seeds < 1 || tasks.length === 0 || faults.length === 0) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const work = await mkdtemp(join(tmpdir(), 'brume-bench-faults-'));
  const bench = await openFaultBench(work);
  const outcomes: FaultOutcome[] = [];
  try {
    // Seed by seed across every case, so a run stopped early still covers them all.
    for (let seed = 1; seed <= seeds; seed++) {
      for (const task of tasks) {
        for (const fault of faults) {
          const outcome = await bench.run({ task, fault, seed });
          outcomes.push(outcome);
          const damage = `${outcome.corrupt ? ' CORRUPT' : ''}${outcome.halfPublished ? ' HALF-PUBLISHED' : ''}`;
          process.stderr.write(
            `${task} ${fault} seed ${seed}: ${outcome.survived ? 'survived' : outcome.state}${damage} (+${(outcome.extraMs / 1000).toFixed(1)} s)${outcome.detail === '' ? '' : ` ${outcome.detail}`}\n`,
          );
        }
      }
    }
  } finally {
    await bench.close();
    await rm(work, { recursive: true, force: true });
  }
  const rows = summarize(outcomes);
  if (values.json) process.stdout.write(`${JSON.stringify({ rows, outcomes }, null, 2)}\n`);
  else printTable(rows);
  if (rows.some((row) => row.hung + row.corrupt + row.halfPublished > 0)) process.exitCode = 1;
}

await main();
