import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAdminToken } from './admin-token.ts';

describe('admin token', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'brume-token-'))));
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is made at first start, mode 0600, announced once, and read back on later starts', async () => {
    const lines: { path: string; token: string }[] = [];
    const token = await loadAdminToken(dir, (created) => lines.push(created));
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const file = join(dir, 'admin.token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(token);
    expect(lines).toEqual([{ path: file, token }]);

    expect(await loadAdminToken(dir, (created) => lines.push(created))).toBe(token);
    expect(lines).toHaveLength(1);
  });

  it('refuses a token file that holds no real token', async () => {
    await writeFile(join(dir, 'admin.token'), 'short\n', { mode: 0o600 });
    await expect(loadAdminToken(dir, () => undefined)).rejects.toThrow(/valid admin token/);
  });
});
