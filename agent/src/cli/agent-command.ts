import { tmpdir } from 'node:os';
import { runAgentTask } from '../agent-loop.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_CHUNK_BYTES, DEFAULT_LEVEL, agentConfig, runLogDir } from '../config.ts';
import { DEFAULT_RETRY_DEADLINE_MS } from '../api/retry.ts';
import { runTool } from '../sys/exec.ts';
import { parseFlags, positiveInteger } from './args.ts';
import { formatBytes } from '../ui/format.ts';
import { createOutput } from './output.ts';

const seconds = (value: string | undefined, flag: string, fallbackMs: number): number =>
  value === undefined ? fallbackMs : positiveInteger(value, flag, 1) * 1000;

/** `brume agent --server URL --task ID --token T [--disk DEV]`: runs one task of the server on this PC. */
export async function agent(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    server: { type: 'string' }, task: { type: 'string' }, token: { type: 'string' }, disk: { type: 'string' },
    json: { type: 'boolean', default: false }, 'log-dir': { type: 'string' }, staging: { type: 'string' },
    'retry-deadline': { type: 'string' }, timeout: { type: 'string' }, 'chunk-size': { type: 'string' }, level: { type: 'string' },
  });
  const config = agentConfig({
    server: values.server, taskId: values.task, token: values.token, disk: values.disk, json: values.json,
    logDir: runLogDir(values['log-dir']), stagingDir: values.staging ?? tmpdir(),
    retryDeadlineMs: seconds(values['retry-deadline'], '--retry-deadline', DEFAULT_RETRY_DEADLINE_MS),
    requestTimeoutMs: seconds(values.timeout, '--timeout', DEFAULT_REQUEST_TIMEOUT_MS),
    chunkBytes: positiveInteger(values['chunk-size'], '--chunk-size', DEFAULT_CHUNK_BYTES),
    level: positiveInteger(values.level, '--level', DEFAULT_LEVEL),
  });
  const output = createOutput(config.json);
  const outcome = await runAgentTask(config, { run: runTool, console: output.reporter });
  if (!outcome.ok) return output.fail(outcome.error);
  output.say(describeOutcome(config.taskId, outcome.summary));
  return output.finish(outcome.summary);
}

function describeOutcome(taskId: number, summary: Record<string, unknown>): string {
  const number = (key: string): number => (typeof summary[key] === 'number' ? summary[key] : 0);
  const elapsed = number('seconds');
  return `task ${taskId} done: image ${String(summary['image'])}, disk ${String(summary['disk'])}, ${formatBytes(number('rawBytes'))} in ${elapsed.toFixed(1)} s`;
}
