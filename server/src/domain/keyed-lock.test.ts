import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('KeyedLock', () => {
  it('lets holders of a shared lock run together, and an exclusive one alone, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}+`);
      await tick();
      log.push(`${name}-`);
    };
    await Promise.all([
      lock.shared('k', job('a')),
      lock.shared('k', job('b')),
      lock.exclusive('k', job('X')),
      lock.shared('k', job('c')),
      lock.shared('other', job('o')),
    ]);
    expect(log.indexOf('X+')).toBeGreaterThan(Math.max(log.indexOf('a-'), log.indexOf('b-')));
    expect(log.indexOf('c+')).toBeGreaterThan(log.indexOf('X-'));
    expect(log.indexOf('b+')).toBeLessThan(log.indexOf('a-'));
    expect(log.indexOf('o+')).toBeLessThan(log.indexOf('X+'));
  });

  it('releases the lock when the work throws', async () => {
    const lock = new KeyedLock();
    await expect(lock.exclusive('k', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await lock.exclusive('k', async () => 'free')).toBe('free');
  });
});
