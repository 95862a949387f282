import type { AddressInfo } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import { join } from 'node:path';
import { toBrumeError } from '@brume/protocol';
import { loadAdminToken } from './admin-token.ts';
import { loadPinSecret, prepareDataDir } from './data-dir.ts';
import { buildApp } from './app.ts';
import { interfaceHolding } from './multicast/listen-interface.ts';
import { udpcastSender } from './multicast/udpcast-sender.ts';
import { tokenDigest } from './auth.ts';
import { parseServerArgs, type Config } from './config.ts';
import { sqliteDatabase } from './db/database.ts';
import { bootFiles, missingMessage } from './domain/boot-files.ts';
import { KeyedLock } from './domain/keyed-lock.ts';
import { UploadsInFlight } from './domain/uploads-in-flight.ts';
import { LoginGuard } from './domain/login-guard.ts';
import { reconcile } from './domain/reconcile.ts';
import { localImageStore } from './store/local-store.ts';

export const serverUsage =
  '  brume server  --data DIR [--listen 127.0.0.1:8080] [--public-url URL] [--boot DIR]\n' +
  "                [--menu-timeout 5] [--unknown-hosts local|register] [--host-name-pattern 'pc-{mac}']\n" +
  '                [--multicast-interface IF] [--wake-broadcast ADDR] [--signatures DIR]\n' +
  '                [--retention-days 90] [--agent-timeout 30m] [--metrics-auth admin|none]\n' +
  '                [--allow-host NAME]…\n';

export interface RunningServer {
  /** The URL it listens on, port resolved (http://127.0.0.1:41234). */
  url: string;
  adminToken: string;
  /** Stops accepting, lets requests in flight finish (up to a grace period), closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Told the first start's admin token and its file (default: stderr, the token itself only on a terminal). */
  announce?: (created: { path: string; token: string }) => void;
  /** fastify's logger option (default: pino JSON lines at info on stdout). */
  logger?: FastifyServerOptions['logger'];
}

const CLOSE_GRACE_MS = 10_000;

/**
 * The first start's admin token goes to a person at a terminal only: under systemd, stderr is the journal, which keeps
 * it for anyone allowed to read logs. There, the line says where the file is instead.
 */
function announceOnTerminal(created: { path: string; token: string }): void {
  process.stderr.write(
    process.stderr.isTTY
      ? `brume server: admin token (also in ${created.path}): ${created.token}\n`
      : `brume server: admin token created in ${created.path} (mode 0600; read it there)\n`,
  );
}

/**
 * Starts the server: DATA set up, admin token made or read, database migrated, store and database reconciled, then
 * listening. Logs are pino JSON lines on stdout; the line with msg "listening" carries the URL.
 */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  await prepareDataDir(config.dataDir);
  const adminToken = await loadAdminToken(config.dataDir, options.announce ?? announceOnTerminal);
  const pinSecret = await loadPinSecret(config.dataDir);
  const db = sqliteDatabase(join(config.dataDir, 'brume.db'));
  const store = localImageStore(config.dataDir, { reserveBytes: config.freeSpaceReserveBytes });
  // Multicast goes out where the PCs reach the server, unless --multicast-interface says otherwise.
  const served: Config = {
    ...config,
    multicastInterface: config.multicastInterface ?? interfaceHolding(config.listen.host),
  };
  const app = buildApp({
    config: served,
    db,
    store,
    adminTokenHash: tokenDigest(adminToken),
    pinSecret,
    logger: options.logger ?? { level: 'info' },
    multicastSender: udpcastSender,
    processMetrics: true,
  });
  try {
    const now = (): string => new Date().toISOString();
    await reconcile(
      {
        db,
        store,
        locks: new KeyedLock(),
        uploads: new UploadsInFlight(),
        loginGuard: new LoginGuard(),
        pinSecret,
        now,
      },
      app.log,
    );
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (error) {
    await app.close();
    await db.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  app.log.info({ url, dataDir: config.dataDir, publicUrl: config.publicUrl, bootDir: config.bootDir }, 'listening');
  const missing = await bootFiles(config.bootDir).missing();
  if (missing.length > 0) app.log.warn({ bootDir: config.bootDir, missing }, missingMessage(config.bootDir, missing));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const grace = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
        await db.close();
      }
    })();
    return closing;
  };
  return { url, adminToken, close };
}

/** `brume server …`: runs until SIGTERM or SIGINT, then closes gracefully. 0 on a clean stop, 2 on bad flags. */
export async function runServerCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(serverUsage);
    return 0;
  }
  let config: Config;
  try {
    config = parseServerArgs(argv);
  } catch (error) {
    process.stderr.write(`brume server: ${toBrumeError(error).message}\n${serverUsage}`);
    return 2;
  }
  // Whatever this process creates in DATA is for the server's own user only (prepareDataDir fixes what exists already).
  process.umask(0o077);
  let server: RunningServer;
  try {
    server = await startServer(config);
  } catch (error) {
    const brume = toBrumeError(error);
    process.stderr.write(`brume server: ${brume.message}\n`);
    return brume.exitCode;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(received);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.stderr.write(`brume server: ${signal}: closing\n`);
  await server.close();
  return 0;
}
