import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BrumeError } from '@brume/protocol';

export const PIN_SECRET_FILE = 'pin.secret';
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * DATA holds the database, the admin token, the PIN secret and every image: it is made 0700 and everything in it is
 * brought to 0700 (directories) and 0600 (files) at each start, whatever the umask or an older server left. When that
 * cannot be done (another user owns DATA) the server refuses to start and says why.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR });
  await tighten(dataDir, PRIVATE_DIR).catch((error: unknown) => {
    throw new BrumeError(
      'BAD_REQUEST',
      `DATA ${dataDir} is readable by other users and cannot be made private (chmod 700: ${(error as Error).message}): fix its owner or mode, or choose another --data`,
      { cause: error },
    );
  });
  await tightenTree(dataDir);
  // SQLite creates the -wal and -shm files with the database file's mode: the file is made private before it opens it.
  await (await open(join(dataDir, 'brume.db'), 'a', PRIVATE_FILE)).close();
  await tighten(join(dataDir, 'brume.db'), PRIVATE_FILE);
}

async function tighten(path: string, mode: number): Promise<void> {
  const stats = await lstat(path);
  if ((stats.mode & 0o777 & ~mode) !== 0) await chmod(path, stats.mode & mode & 0o777);
}

async function tightenTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // A symbolic link's own mode means nothing, and chmod would follow it out of DATA.
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      await tighten(path, PRIVATE_DIR);
      await tightenTree(path);
    } else if (entry.isFile()) {
      await tighten(path, PRIVATE_FILE);
    }
  }
}

/** The key PINs are stored under (an HMAC, domain/technicians.ts): 256 random bits made at first start, DATA/pin.secret, 0600. */
export async function loadPinSecret(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, PIN_SECRET_FILE);
  const made = randomBytes(32);
  const handle = await open(path, 'wx', PRIVATE_FILE).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return undefined;
    throw error;
  });
  if (handle !== undefined) {
    try {
      await handle.writeFile(`${made.toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return made;
  }
  const stored = (await readFile(path, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(stored))
    throw new BrumeError(
      'BAD_REQUEST',
      `${path} does not hold a PIN secret (64 hex digits); delete it to make a new one (the PINs made so far then stop working)`,
    );
  return Buffer.from(stored, 'hex');
}
