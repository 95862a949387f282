import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPinSecret, PIN_SECRET_FILE, prepareDataDir } from './data-dir.ts';

describe('DATA', () => {
  let root: string;
  beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'brume-data-dir-'))));
  afterEach(async () => rm(root, { recursive: true, force: true }));
  const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

  it('closes a DATA left open by hand: 0700 directories, 0600 files, a symbolic link and its target left alone', async () => {
    const data = join(root, 'data');
    await mkdir(join(data, 'uploads', '7'), { recursive: true });
    await chmod(data, 0o755);
    await chmod(join(data, 'uploads'), 0o775);
    await writeFile(join(data, 'uploads', '7', 'd1p1.pc.zst'), 'x', { mode: 0o664 });
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'not ours', { mode: 0o644 });
    await symlink(outside, join(data, 'link'));
    await prepareDataDir(data);
    expect(await Promise.all([data, join(data, 'uploads'), join(data, 'uploads', '7')].map(mode))).toEqual([
      0o700, 0o700, 0o700,
    ]);
    expect(await mode(join(data, 'uploads', '7', 'd1p1.pc.zst'))).toBe(0o600);
    expect(await mode(join(data, 'brume.db'))).toBe(0o600);
    expect(await mode(outside)).toBe(0o644);
  });

  it('makes the PIN secret once, 0600, reads it back, and refuses a file that holds none', async () => {
    const secret = await loadPinSecret(root);
    expect(secret).toHaveLength(32);
    expect(await mode(join(root, PIN_SECRET_FILE))).toBe(0o600);
    expect(await loadPinSecret(root)).toEqual(secret);
    await writeFile(join(root, PIN_SECRET_FILE), 'short\n');
    await expect(loadPinSecret(root)).rejects.toThrow(/does not hold a PIN secret/);
  });
});
