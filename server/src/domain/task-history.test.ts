import { describe, expect, it } from 'vitest';
import { bytesMoved, taskHistory } from './task-history.ts';

describe('task history', () => {
  it.each([
    ['a capture or deploy: its raw bytes', { rawBytes: 5000, storedBytes: 2000 }, 5000],
    ['a wipe: what its passes wrote', { bytes: 1000, passes: [{ method: 'random', bytes: 1000 }, { method: 'zero', bytes: 0, skipped: 'zero already' }] }, 1000],
    ['a surface test: the bytes it read', { bytes: 4096, readMode: 'direct' }, 4096],
    ['an inventory: none', { inventory: {} }, null],
    ['no result: none', null, null],
    ['a nonsense figure: none', { rawBytes: -1 }, null],
  ])('%s', (_, result, bytes) => {
    expect(bytesMoved(result)).toBe(bytes);
  });

  it('gives an ended task its running time and average throughput', () => {
    expect(taskHistory({ startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:01:40.000Z', result: { rawBytes: 1000 } })).toEqual({ durationSeconds: 100, bytes: 1000, bytesPerSecond: 10 });
  });

  it('gives nothing while a task is queued or running, and no rate without bytes or time', () => {
    const none = { durationSeconds: null, bytes: null, bytesPerSecond: null };
    expect(taskHistory({ startedAt: null, endedAt: null, result: null })).toEqual(none);
    expect(taskHistory({ startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, result: null })).toEqual(none);
    expect(taskHistory({ startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:00.000Z', result: { rawBytes: 10 } })).toEqual({ durationSeconds: 0, bytes: 10, bytesPerSecond: null });
    expect(taskHistory({ startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:05.000Z', result: {} })).toEqual({ durationSeconds: 5, bytes: null, bytesPerSecond: null });
  });
});
