import { describe, expect, it } from 'vitest';
import { parseServerArgs } from '../config.ts';
import { serverWakeFallback } from './wake-hosts.ts';

describe("the server's wake fallback (a PC whose inventory gives no subnet)", () => {
  it('--wake-broadcast wins, and is checked as an IPv4 address', () => {
    const config = parseServerArgs(['--data', '/tmp/brume-unused', '--wake-broadcast', '10.0.0.255']);
    expect(serverWakeFallback(config.wakeBroadcast, config.listen.host)).toEqual({
      address: '10.0.0.255',
      via: 'server-option',
    });
    expect(() => parseServerArgs(['--data', '/tmp/brume-unused', '--wake-broadcast', '10.0.0'])).toThrow(
      /--wake-broadcast: an IPv4 broadcast address/,
    );
  });

  it('a server on loopback or on the wildcard address names no subnet: an error to report, not a guess', () => {
    expect(serverWakeFallback(null, '127.0.0.1')).toEqual({
      error: expect.stringMatching(/loopback \(127\.0\.0\.1\).*--wake-broadcast ADDR/),
    });
    expect(serverWakeFallback(null, '0.0.0.0')).toEqual({
      error: expect.stringMatching(/no interface holds the listen address 0\.0\.0\.0/),
    });
  });
});
