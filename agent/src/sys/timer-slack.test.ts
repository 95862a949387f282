import { describe, expect, it } from 'vitest';
import { canSetTimerSlack } from './timer-slack.ts';

describe('canSetTimerSlack', () => {
  it.each([
    ['root, every capability', 'Name:\tnode\nCapEff:\t000001ffffffffff\n', true],
    ['CAP_SYS_NICE alone', 'CapEff:\t0000000000800000\n', true],
    ['an unprivileged user', 'CapEff:\t0000000000000000\n', false],
    ['every capability but CAP_SYS_NICE', 'CapEff:\t000001ffff7fffff\n', false],
    ['no /proc', '', false],
  ])('%s', (_name, status, expected) => {
    expect(canSetTimerSlack(status)).toBe(expected);
  });
});
