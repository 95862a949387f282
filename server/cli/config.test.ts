import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrumeError } from '@brume/protocol';
import { adminConfig } from './config.ts';

function failure(run: () => unknown): BrumeError {
  try {
    run();
  } catch (error) {
    if (error instanceof BrumeError) return error;
    throw error;
  }
  throw new Error('expected a BrumeError');
}

describe('adminConfig', () => {
  it('takes flags before the environment', () => {
    const config = adminConfig(
      { server: 'http://10.0.0.5:8080', token: 'flag-token' },
      { BRUME_SERVER: 'http://other:1', BRUME_TOKEN: 'env-token' },
    );
    expect(config).toEqual({ server: 'http://10.0.0.5:8080', token: 'flag-token' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('falls back to BRUME_SERVER and BRUME_TOKEN, then to the file BRUME_TOKEN_FILE names', () => {
    expect(adminConfig({}, { BRUME_SERVER: 'http://127.0.0.1:8080', BRUME_TOKEN: 'env-token' }).token).toBe(
      'env-token',
    );
    const file = join(mkdtempSync(join(tmpdir(), 'brume-cli-')), 'admin.token');
    writeFileSync(file, 'file-token\n');
    expect(adminConfig({}, { BRUME_SERVER: 'http://127.0.0.1:8080', BRUME_TOKEN_FILE: file }).token).toBe('file-token');
    expect(
      adminConfig({}, { BRUME_SERVER: 'http://127.0.0.1:8080', BRUME_TOKEN: '', BRUME_TOKEN_FILE: file }).token,
    ).toBe('file-token');
  });

  it('accepts the server with a trailing slash or the API prefix', () => {
    for (const server of ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/api/v1', 'http://127.0.0.1:8080/api/v1/']) {
      expect(adminConfig({ server, token: 't' }, {}).server).toBe('http://127.0.0.1:8080');
    }
  });

  it('names what is missing, as bad input (exit 2)', () => {
    const noServer = failure(() => adminConfig({ token: 't' }, {}));
    expect(noServer.message).toContain('--server URL or set BRUME_SERVER');
    expect(noServer.exitCode).toBe(2);
    const noToken = failure(() => adminConfig({ server: 'http://127.0.0.1:8080' }, {}));
    expect(noToken.message).toContain('BRUME_TOKEN');
    expect(noToken.exitCode).toBe(2);
  });

  it('refuses a server that is not an http URL and a token file it cannot read', () => {
    expect(failure(() => adminConfig({ server: '10.0.0.5:8080', token: 't' }, {})).message).toContain('http(s) URL');
    expect(failure(() => adminConfig({ server: 'ftp://10.0.0.5', token: 't' }, {})).message).toContain('http(s) URL');
    const unreadable = failure(() =>
      adminConfig({ server: 'http://127.0.0.1:8080' }, { BRUME_TOKEN_FILE: '/nonexistent/admin.token' }),
    );
    expect(unreadable.message).toContain('/nonexistent/admin.token');
  });
});
