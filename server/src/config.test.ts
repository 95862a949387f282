import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, DEFAULT_BOOT_DIR, parseServerArgs } from './config.ts';

describe('brume server flags', () => {
  it('defaults to 127.0.0.1:8080 and no public URL; the data dir is absolute', () => {
    const config = parseServerArgs(['--data', 'some/dir']);
    expect(config).toEqual({
      dataDir: expect.stringMatching(/^\/.*some\/dir$/),
      listen: { host: '127.0.0.1', port: 8080 },
      publicUrl: null,
      bootDir: DEFAULT_BOOT_DIR,
      ...CONFIG_DEFAULTS,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes the network timeouts as durations and the free-space reserve as a size; none of the timeouts may be off', () => {
    const config = parseServerArgs([
      '--data',
      '/d',
      '--body-idle-timeout',
      '5s',
      '--request-timeout',
      '2m',
      '--headers-timeout',
      '10',
      '--keep-alive-timeout',
      '1m',
      '--free-space-reserve',
      '2G',
    ]);
    expect(config.timeouts).toMatchObject({
      bodyIdleSeconds: 5,
      requestSeconds: 120,
      headersSeconds: 10,
      keepAliveSeconds: 60,
    });
    expect(config.freeSpaceReserveBytes).toBe(2 * 1024 ** 3);
    expect(() => parseServerArgs(['--data', '/d', '--body-idle-timeout', '0'])).toThrow(
      /--body-idle-timeout: at least 1 second/,
    );
    expect(() => parseServerArgs(['--data', '/d', '--request-timeout', '10s', '--headers-timeout', '30s'])).toThrow(
      /--headers-timeout: at most --request-timeout/,
    );
    expect(() => parseServerArgs(['--data', '/d', '--free-space-reserve', 'lots'])).toThrow(/--free-space-reserve/);
  });

  it('takes a listen address, port 0 included, IPv6 in brackets, and a public URL', () => {
    expect(parseServerArgs(['--data', '/d', '--listen', '0.0.0.0:0']).listen).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseServerArgs(['--data', '/d', '--listen', '[::1]:9000']).listen).toEqual({ host: '::1', port: 9000 });
    expect(parseServerArgs(['--data', '/d', '--public-url', 'http://10.0.0.1:8080/']).publicUrl).toBe(
      'http://10.0.0.1:8080',
    );
  });

  it('serves the boot files of dist/boot in the checkout unless --boot names another directory', () => {
    const projectPackage = JSON.parse(readFileSync(join(DEFAULT_BOOT_DIR, '..', '..', 'package.json'), 'utf8')) as {
      name: string;
    };
    expect(projectPackage.name).toBe('brume');
    expect(DEFAULT_BOOT_DIR.endsWith('/dist/boot')).toBe(true);
    expect(parseServerArgs(['--data', '/d', '--boot', 'here/boot']).bootDir).toMatch(/^\/.*here\/boot$/);
  });

  it.each([
    [[], /--data/],
    [['--data', '/d', '--listen', '8080'], /--listen/],
    [['--data', '/d', '--listen', '127.0.0.1:70000'], /port/],
    [['--data', '/d', '--public-url', 'ftp://x'], /--public-url/],
    [['--data', '/d', '--bogus'], /bogus/],
    [['--data', '/d', 'extra'], /extra/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseServerArgs(argv)).toThrow(message);
  });
});
