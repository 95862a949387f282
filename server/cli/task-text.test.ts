import { describe, expect, it } from 'vitest';
import { Task, TaskCreated, type TaskLogs } from '@brume/protocol';
import { createdText, logsText } from './tasks.ts';
import { durationText, taskBlock, taskTable } from './task-text.ts';
import { plainView, statusLine } from './watch.ts';
import { verificationText } from './images.ts';

const running = Task.parse({
  id: 12,
  kind: 'deploy',
  hostId: 3,
  hostName: 'pc-01',
  image: 'win11',
  disk: '/dev/nvme0n1',
  state: 'running',
  createdAt: '2026-03-05T14:00:00.000Z',
  startedAt: '2026-03-05T14:00:10.000Z',
  endedAt: null,
  progress: {
    type: 'progress',
    ts: '2026-03-05T14:03:00.000Z',
    phase: 'restore',
    target: 'd1p2',
    bytesDone: 3 * 1024 ** 3,
    bytesTotal: 10 * 1024 ** 3,
    bytesPerSecond: 120 * 1024 ** 2,
    etaSeconds: 60,
  },
  phase: {
    type: 'phase',
    ts: '2026-03-05T14:01:00.000Z',
    phase: 'restore',
    target: 'd1p2',
    message: 'restoring d1p2 (ntfs)',
  },
  error: null,
  result: null,
  logFiles: [],
  debug: false,
  params: {},
  batch: null,
});
const failed = Task.parse({
  ...running,
  id: 13,
  state: 'failed',
  endedAt: '2026-03-05T14:05:10.000Z',
  error: { code: 'CHUNK_CORRUPT', message: 'd1p2.pc.zst chunk 7 does not match its sha256' },
  logFiles: ['agent.log', 'partclone-d1p2.log'],
});
const now = new Date('2026-03-05T14:03:22.000Z');

describe('task text', () => {
  it('shows where a running task is: phase, partition, bytes, rate, ETA', () => {
    expect(statusLine(running)).toBe(
      'task 12 running | restore: restoring d1p2 (ntfs) | d1p2 3.0 GiB / 10.0 GiB (30%) at 120.0 MiB/s, ETA 1m00s',
    );
    expect(statusLine({ ...running, state: 'queued', progress: null, phase: null })).toBe(
      'task 12 queued | waiting for the agent',
    );
  });

  it('counts the duration to now while running, and start to end once ended', () => {
    expect(durationText(running, now)).toBe('3m12s so far');
    expect(durationText(failed, now)).toBe('5m00s');
    expect(durationText({ ...running, startedAt: null }, now)).toBe('-');
  });

  it('lists tasks with their stage: progress while running, the error code once failed', () => {
    const lines = taskTable([running, failed], now).split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+HOST\s+IMAGE\s+STATE\s+CREATED\s+DURATION\s+MOVED\s+RATE\s+STAGE$/);
    expect(lines[1]).toMatch(/^12\s+deploy\s+pc-01\s+win11\s+running\s+.*3m12s so far\s+-\s+-\s+d1p2 30%$/);
    expect(lines[2]).toMatch(/^13\s+deploy\s+pc-01\s+win11\s+failed\s+.*5m00s\s+-\s+-\s+CHUNK_CORRUPT$/);
  });

  it('gives an ended task its bytes moved and average throughput, as the server computed them', () => {
    const done = Task.parse({
      ...failed,
      id: 14,
      state: 'done',
      error: null,
      durationSeconds: 300,
      bytes: 30 * 1024 ** 3,
      bytesPerSecond: (30 * 1024 ** 3) / 300,
      heardAt: '2026-03-05T14:05:09.000Z',
    });
    expect(taskTable([done], now).split('\n')[1]).toMatch(
      /^14\s+deploy\s+pc-01\s+win11\s+done\s+.*5m00s\s+30\.0 GiB\s+102\.4 MiB\/s\s+restore$/,
    );
    const block = taskBlock(done, now);
    expect(block).toContain('moved:    30.0 GiB at 102.4 MiB/s on average\n');
    expect(block).toMatch(/heard:\s+2026-03-05 \d\d:05:09\n/);
    expect(taskBlock(failed, now)).toContain('moved:    -\n');
  });

  it('shows a failed task with its error and its log files', () => {
    const block = taskBlock(failed, now);
    expect(block).toContain('state:    failed');
    expect(block).toContain('error:    d1p2.pc.zst chunk 7 does not match its sha256 (CHUNK_CORRUPT)');
    expect(block).toContain('logs:     agent.log, partclone-d1p2.log');
    expect(block).toContain('progress: d1p2 3.0 GiB / 10.0 GiB (30%) at 120.0 MiB/s, ETA 1m00s');
  });

  it('prints a created task with its token and kernel command line', () => {
    const created = TaskCreated.parse({
      task: { ...running, kind: 'capture', state: 'queued', startedAt: null, progress: null, phase: null },
      token: 'tok-123',
      cmdline: 'brume.server=http://10.0.0.5:8080 brume.task=12 brume.token=tok-123',
    });
    const text = createdText(created);
    expect(text).toContain('created task 12: capture pc-01 (/dev/nvme0n1) into image win11, queued');
    expect(text).toContain('token:   tok-123\n');
    expect(text).toContain('cmdline: brume.server=http://10.0.0.5:8080 brume.task=12 brume.token=tok-123\n');
    expect(text).toContain('a network boot of pc-01 gets a token of its own');
  });

  it('prints every log file under a header, as tail does', () => {
    const logs: TaskLogs = {
      files: [
        { name: 'agent.log', content: 'one\ntwo\n' },
        { name: 'sfdisk.txt', content: 'label: gpt' },
      ],
    };
    expect(logsText(logs)).toBe('==> agent.log <==\none\ntwo\n\n==> sfdisk.txt <==\nlabel: gpt\n');
  });

  it('a plain watch prints one line per change and nothing when nothing changed', () => {
    const lines: string[] = [];
    const view = plainView({ out: (text) => lines.push(text), err: () => undefined, tty: undefined });
    view.show(running, running);
    view.show(running, running);
    view.show(failed, failed);
    expect(lines).toHaveLength(2);
  });
});

describe('image verification text', () => {
  it('lists each problem with its file and chunk', () => {
    const text = verificationText({
      name: 'win11',
      ok: false,
      chunks: 40,
      bytes: 1024 ** 3,
      problems: [
        { file: 'd1p2.pc.zst', chunk: 3, message: 'sha256 differs' },
        { file: 'd1.boot', chunk: null, message: 'missing' },
      ],
    });
    expect(text).toBe(
      'image win11 is damaged: 2 problems (40 chunks, 1.0 GiB checked)\n  d1p2.pc.zst chunk 3: sha256 differs\n  d1.boot: missing\n',
    );
    expect(verificationText({ name: 'win11', ok: true, chunks: 40, bytes: 1024 ** 3, problems: [] })).toBe(
      'image win11 verified: 40 chunks, 1.0 GiB, every sha256 matches\n',
    );
  });
});
