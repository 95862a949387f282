import { describe, expect, it } from 'vitest';
import { taskHistory } from './task-history.ts';

const ended = { startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:01:40.000Z' };
const capture = { image: 'win11', disk: '/dev/sda', partitions: 2, rawBytes: 5000, storedBytes: 2000, seconds: 9 };
const wipe = {
  mode: 'full',
  disk: '/dev/sda',
  bytes: 1000,
  seconds: 3,
  readBack: { samples: 4, bytes: 4096, allZero: true },
  passes: [
    { kind: 'random', method: 'write', bytes: 1000, seconds: 2, bytesPerSecond: 500 },
    { kind: 'zero', method: 'zeroout', bytes: 0, seconds: 0, bytesPerSecond: 0, skipped: 'zero already' },
  ],
};
const surface = {
  disk: '/dev/sda',
  bytes: 4096,
  sectorBytes: 512,
  readMode: 'direct',
  badSectors: [],
  badSectorCount: 0,
  readErrors: 0,
  smart: { before: null, after: null },
  throughput: [],
  seconds: 1,
};

describe('task history', () => {
  it.each([
    ['a capture: its raw bytes', 'capture', capture, 5000],
    ['a wipe: what its passes wrote', 'wipe', wipe, 1000],
    ['a surface test: the bytes it read', 'surface-test', surface, 4096],
    ['an inventory: none', 'inventory', { inventory: {} }, null],
    ['a result its kind does not report: none', 'capture', { rawBytes: -1 }, null],
  ] as const)('%s', (_, kind, result, bytes) => {
    expect(taskHistory({ kind, ...ended, result }).bytes).toBe(bytes);
  });

  it('gives an ended task its running time and average throughput', () => {
    expect(taskHistory({ kind: 'capture', ...ended, result: { ...capture, rawBytes: 1000 } })).toEqual({
      durationSeconds: 100,
      bytes: 1000,
      bytesPerSecond: 10,
    });
  });

  it('gives nothing while a task is queued or running, and no rate without bytes or time', () => {
    const none = { durationSeconds: null, bytes: null, bytesPerSecond: null };
    expect(taskHistory({ kind: 'deploy', startedAt: null, endedAt: null, result: null })).toEqual(none);
    expect(taskHistory({ kind: 'deploy', startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, result: null })).toEqual(
      none,
    );
    expect(
      taskHistory({
        kind: 'capture',
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:00:00.000Z',
        result: { ...capture, rawBytes: 10 },
      }),
    ).toEqual({ durationSeconds: 0, bytes: 10, bytesPerSecond: null });
    expect(
      taskHistory({
        kind: 'capture',
        startedAt: '2026-01-01T00:00:00.000Z',
        endedAt: '2026-01-01T00:00:05.000Z',
        result: null,
      }),
    ).toEqual({ durationSeconds: 5, bytes: null, bytesPerSecond: null });
  });
});
