import { describe, expect, it } from 'vitest';
import { LoginGuard } from './login-guard.ts';

const refusedCode = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('LoginGuard', () => {
  it('counts an attempt when it arrives: the eleventh from one address in a minute is refused, others are not', () => {
    const guard = new LoginGuard();
    for (let attempt = 0; attempt < LoginGuard.MAX_FAILURES; attempt += 1)
      guard.attempt({ source: '10.0.0.1', pin: true }, 1000);
    expect(refusedCode(() => guard.attempt({ source: '10.0.0.1', pin: true }, 1000))).toBe('TOO_MANY_ATTEMPTS');
    expect(refusedCode(() => guard.attempt({ source: '10.0.0.2', pin: true }, 1000))).toBeUndefined();
    // The admin token's dashboard login from the same address has its own window.
    expect(refusedCode(() => guard.attempt({ source: '10.0.0.1', adminToken: true }, 1000))).toBeUndefined();
    expect(
      refusedCode(() => guard.attempt({ source: '10.0.0.1', pin: true }, 1000 + LoginGuard.WINDOW_MS)),
    ).toBeUndefined();
  });

  it('limits one account from many addresses, and forgets attempts that succeeded', () => {
    const guard = new LoginGuard();
    for (let attempt = 0; attempt < LoginGuard.MAX_FAILURES; attempt += 1)
      guard.attempt({ source: `10.0.1.${attempt}`, account: 'bob' }, 0).succeeded();
    for (let attempt = 0; attempt < LoginGuard.MAX_FAILURES; attempt += 1)
      guard.attempt({ source: `10.0.2.${attempt}`, account: 'bob' }, 0);
    expect(refusedCode(() => guard.attempt({ source: '10.0.3.1', account: 'bob' }, 0))).toBe('TOO_MANY_ATTEMPTS');
    expect(refusedCode(() => guard.attempt({ source: '10.0.3.1', account: 'carol' }, 0))).toBeUndefined();
  });

  it('caps wrong PINs from everywhere together at PIN_CEILING a minute', () => {
    const guard = new LoginGuard();
    for (let attempt = 0; attempt < LoginGuard.PIN_CEILING; attempt += 1)
      guard.attempt({ source: `10.${attempt >> 8}.${attempt & 255}.1`, pin: true }, 0);
    expect(refusedCode(() => guard.attempt({ source: '10.9.9.9', pin: true }, 0))).toBe('TOO_MANY_ATTEMPTS');
    expect(refusedCode(() => guard.attempt({ source: '10.9.9.9', account: 'bob' }, 0))).toBeUndefined();
  });

  it('runs at most MAX_CONCURRENT_HASHES hashes at once and refuses the next at once', async () => {
    const guard = new LoginGuard();
    const releases: (() => void)[] = [];
    const running = Array.from({ length: LoginGuard.MAX_CONCURRENT_HASHES }, () =>
      guard.hashing(() => new Promise<void>((resolve) => releases.push(resolve))),
    );
    expect(guard.hashesRunning).toBe(LoginGuard.MAX_CONCURRENT_HASHES);
    await expect(guard.hashing(async () => 'never')).rejects.toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    for (const release of releases) release();
    await Promise.all(running);
    expect(guard.hashesRunning).toBe(0);
    expect(await guard.hashing(async () => 'hashed')).toBe('hashed');
  });
});
