import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';

export const ADMIN_TOKEN_FILE = 'admin.token';

/**
 * The admin token: made at first start (`ba_` + 256 random bits in base64url: never starts with "-") in
 * DATA/admin.token, mode 0600, and announced
 * once through `announce`; later starts read it back.
 */
export async function loadAdminToken(dataDir: string, announce: (line: string) => void): Promise<string> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  const token = `ba_${randomBytes(32).toString('base64url')}`;
  const created = await open(path, 'wx', 0o600).then(
    async (handle) => {
      try {
        await handle.writeFile(`${token}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return true;
    },
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (created) {
    announce(`brume server: admin token (also in ${path}): ${token}\n`);
    return token;
  }
  const stored = (await readFile(path, 'utf8')).trim();
  // 22 base64url characters carry 128 bits: anything shorter was not made here and is too weak to guard the server.
  if (!/^[A-Za-z0-9_-]{22,}$/.test(stored)) {
    throw new BrumeError(
      'BAD_REQUEST',
      `${path} does not hold a valid admin token (base64url, at least 128 bits); delete it to make a new one`,
    );
  }
  return stored;
}
