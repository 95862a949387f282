import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate, PROGRESS_BAR_OPTIONS, progressBarValues } from './format.ts';

describe('human figures', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [32 * 1024 * 1024, '32.0 MiB'],
    [20 * 1024 ** 3, '20.0 GiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
  ])('%d bytes read as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [59.4, '59s'],
    [60, '1m00s'],
    [192, '3m12s'],
    [3600, '1h00m'],
    [7380, '2h03m'],
    [3 * 86400 + 7200, '3d02h'],
    [-5, '0s'],
  ])('%d seconds read as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('gives a rate per second', () => {
    expect(formatRate(120 * 1024 ** 2)).toBe('120.0 MiB/s');
  });
});

describe('the progress bar', () => {
  it('shows a partition as phase, target, bytes done of total, rate and ETA', () => {
    const values = progressBarValues({
      type: 'progress',
      ts: '2026-03-05T14:03:12.000Z',
      phase: 'restore',
      target: 'd1p2',
      bytesDone: 3 * 1024 ** 3,
      bytesTotal: 10 * 1024 ** 3,
      bytesPerSecond: 120 * 1024 ** 2,
      etaSeconds: 60,
    });
    expect(values).toEqual({
      target: 'restore d1p2 ',
      done_text: '3.0 GiB',
      total_text: '10.0 GiB',
      rate: '120.0 MiB/s',
      eta_text: '1m00s',
    });
    expect(
      progressBarValues({
        type: 'progress',
        ts: '2026-03-05T14:03:12.000Z',
        phase: 'capture',
        target: 'd1p1',
        bytesDone: 0,
        bytesTotal: 1,
        bytesPerSecond: 0,
        etaSeconds: null,
      }).eta_text,
    ).toBe('--');
  });

  it('names in its format every figure progressBarValues gives', () => {
    const names = [...PROGRESS_BAR_OPTIONS.format.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const own = ['bar', 'percentage'];
    expect(names.filter((name) => !own.includes(name ?? '')).sort()).toEqual([
      'done_text',
      'eta_text',
      'rate',
      'target',
      'total_text',
    ]);
  });
});
