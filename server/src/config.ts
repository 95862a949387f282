import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BrumeError } from '@brume/protocol';
import { z } from 'zod';
import { checkHostNamePattern, DEFAULT_HOST_NAME_PATTERN } from './domain/host-names.ts';
import { DEFAULT_FREE_SPACE_RESERVE } from './store/local-store.ts';

/**
 * The server's whole configuration, parsed once from `brume server` flags, so a setting has one meaning everywhere. No
 * other module reads process.argv or process.env: this frozen value is passed down.
 */
export interface Config {
  /** Absolute path of DATA: admin.token, brume.db, images/, uploads/. */
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** The URL agents reach the server by; null: derived from each request's Host header. */
  readonly publicUrl: string | null;
  /** Absolute path of the directory holding vmlinuz and initrd.zst (served under /boot/). */
  readonly bootDir: string;
  /** How PCs registered from the ramdisk are named (domain/host-names.ts). */
  readonly hostNamePattern: string;
  /** Seconds the iPXE menu waits before its default entry. */
  readonly menuTimeoutSeconds: number;
  /** What the iPXE menu does by default for a PC the server does not know: boot its disk, or register it. */
  readonly unknownHosts: 'local' | 'register';
  /** The interface multicast sessions send on, unless one names its own; null: the one holding the listen address. */
  readonly multicastInterface: string | null;
  /** Where magic packets go for a PC whose inventory gives no subnet (`--wake-broadcast ADDR`); null: the listen interface's subnet broadcast. */
  readonly wakeBroadcast: string | null;
  /** A mirrored ClamAV definitions directory served read-only to virus scans (`--signatures DIR`); null: none. */
  readonly signaturesDir: string | null;
  /** Ended tasks (and their logs) older than this many days are deleted, at start and daily; 0 keeps them forever. */
  readonly retentionDays: number;
  /** A running task whose agent posted nothing for this many seconds is failed (AGENT_SILENT); 0 never. */
  readonly agentTimeoutSeconds: number;
  /** Who may scrape /metrics: the admin token's holder (a bearer token), or anyone who reaches the server. */
  readonly metricsAuth: 'admin' | 'none';
  /** Names the Host header may carry beyond an address, localhost, the listen host and --public-url's (host-check.ts). */
  readonly allowedHosts: readonly string[];
  /** Free bytes DATA must keep for a capture to be created or to start (`--free-space-reserve`). */
  readonly freeSpaceReserveBytes: number;
  /** How long a quiet or slow client may hold a connection (network-timeouts.ts). */
  readonly timeouts: NetworkTimeouts;
}

/**
 * A peer can go quiet without a FIN or an RST (a cable pulled, a switch rebooted): each of these bounds what it holds.
 * All in seconds.
 */
export interface NetworkTimeouts {
  /** A whole request (headers and body) must arrive within this; a 64 MiB chunk at 1 Mbit/s takes about 9 minutes. */
  readonly requestSeconds: number;
  /** The request head must arrive within this. */
  readonly headersSeconds: number;
  /** A chunk body that sends no byte for this long is aborted, and the chunk's lock released. */
  readonly bodyIdleSeconds: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveSeconds: number;
  /** TCP keepalive probes start after this much silence on an accepted socket. */
  readonly tcpKeepAliveSeconds: number;
}

export const DEFAULT_NETWORK_TIMEOUTS: NetworkTimeouts = Object.freeze({
  requestSeconds: 15 * 60,
  headersSeconds: 30,
  bodyIdleSeconds: 60,
  keepAliveSeconds: 10,
  tcpKeepAliveSeconds: 30,
});

export const DEFAULT_LISTEN = '127.0.0.1:8080';
export const DEFAULT_MENU_TIMEOUT_SECONDS = 5;
/** Retention, silent agents and /metrics: 90 days of history, 30 minutes of silence, admin-only metrics. */
export const HOUSEKEEPING_DEFAULTS = { retentionDays: 90, agentTimeoutSeconds: 30 * 60, metricsAuth: 'admin' } as const;
/** The settings with a default, for code that builds a Config without flags (tests, tools). */
export const CONFIG_DEFAULTS = {
  timeouts: DEFAULT_NETWORK_TIMEOUTS,
  freeSpaceReserveBytes: DEFAULT_FREE_SPACE_RESERVE,
  hostNamePattern: DEFAULT_HOST_NAME_PATTERN,
  menuTimeoutSeconds: DEFAULT_MENU_TIMEOUT_SECONDS,
  unknownHosts: 'local',
  multicastInterface: null,
  wakeBroadcast: null,
  signaturesDir: null,
  allowedHosts: [],
  ...HOUSEKEEPING_DEFAULTS,
} as const;
/** Where `npm run build:boot` writes the kernel and the ramdisk: dist/boot of the checkout this server runs from. */
export const DEFAULT_BOOT_DIR = fileURLToPath(new URL('../../dist/boot', import.meta.url));

const Listen = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, 'HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080')
  .transform((value) => {
    const colon = value.lastIndexOf(':');
    const host = value.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    return { host, port: Number(value.slice(colon + 1)) };
  })
  .refine((listen) => listen.port <= 65535, 'the port must be 0–65535');

const PublicUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const ServerFlags = z
  .object({
    data: z.string({ error: '--data DIR is required' }).min(1, '--data DIR is required'),
    listen: Listen.default(Listen.parse(DEFAULT_LISTEN)),
    'public-url': PublicUrl.optional(),
    boot: z.string().min(1, '--boot DIR must name a directory').optional(),
    'host-name-pattern': z.string().min(1).max(63).default(DEFAULT_HOST_NAME_PATTERN),
    'menu-timeout': z.coerce
      .number()
      .int('whole seconds')
      .min(0)
      .max(3600, 'at most 3600 seconds')
      .default(DEFAULT_MENU_TIMEOUT_SECONDS),
    'unknown-hosts': z
      .enum(['local', 'register'], { error: 'local (boot the disk) or register (quick registration)' })
      .default('local'),
    'multicast-interface': z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'a network interface name such as eno1')
      .optional(),
    'wake-broadcast': z.ipv4({ error: 'an IPv4 broadcast address such as 192.168.1.255' }).optional(),
    signatures: z.string().min(1, '--signatures DIR must name a directory').optional(),
    'retention-days': z.coerce
      .number()
      .int('whole days')
      .min(0)
      .max(36500)
      .default(HOUSEKEEPING_DEFAULTS.retentionDays),
    'agent-timeout': z
      .string()
      .transform(durationSeconds)
      .pipe(
        z
          .number({ error: 'a duration such as 30m, 2h or 90s (0: never)' })
          .int()
          .min(0)
          .max(7 * 24 * 3600, 'at most 7 days'),
      )
      .default(HOUSEKEEPING_DEFAULTS.agentTimeoutSeconds),
    'metrics-auth': z
      .enum(['admin', 'none'], { error: 'admin (a bearer token) or none (open to whoever reaches the server)' })
      .default(HOUSEKEEPING_DEFAULTS.metricsAuth),
    'request-timeout': timeoutFlag(DEFAULT_NETWORK_TIMEOUTS.requestSeconds),
    'headers-timeout': timeoutFlag(DEFAULT_NETWORK_TIMEOUTS.headersSeconds),
    'body-idle-timeout': timeoutFlag(DEFAULT_NETWORK_TIMEOUTS.bodyIdleSeconds),
    'keep-alive-timeout': timeoutFlag(DEFAULT_NETWORK_TIMEOUTS.keepAliveSeconds),
    'free-space-reserve': z
      .string()
      .transform(sizeBytes)
      .pipe(z.number({ error: 'a size such as 512M, 2G or 0' }).int().min(0))
      .default(DEFAULT_FREE_SPACE_RESERVE),
    'allow-host': z
      .array(
        z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'a host name such as brume.school.lan'),
      )
      .default([]),
  })
  .refine((flags) => flags['headers-timeout'] <= flags['request-timeout'], {
    path: ['headers-timeout'],
    message: 'at most --request-timeout',
  });

/** A network timeout: a duration of 1 second to 1 day (none may be switched off: a silent peer would hold on for ever). */
function timeoutFlag(seconds: number) {
  return z
    .string()
    .transform(durationSeconds)
    .pipe(
      z
        .number({ error: 'a duration such as 30s or 10m' })
        .int()
        .min(1, 'at least 1 second')
        .max(86400, 'at most 1 day'),
    )
    .default(seconds);
}

/** `90s`, `30m`, `2h`, `1d` or bare seconds; anything else is NaN, which the schema then refuses. */
function durationSeconds(text: string): number {
  const match = /^([0-9]{1,7})(s|m|h|d)?$/.exec(text.trim());
  if (match === null) return Number.NaN;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

/** `512M`, `2G`, `1T` or bare bytes; anything else is NaN, which the schema then refuses. */
function sizeBytes(text: string): number {
  const match = /^([0-9]{1,15})([KMGT])?$/i.exec(text.trim());
  if (match === null) return Number.NaN;
  return Number(match[1]) * 1024 ** ' KMGT'.indexOf((match[2] ?? ' ').toUpperCase());
}

/** Parses `brume server` flags; bad input is a BAD_REQUEST naming the flag. */
export function parseServerArgs(argv: readonly string[]): Config {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        listen: { type: 'string' },
        'public-url': { type: 'string' },
        boot: { type: 'string' },
        'host-name-pattern': { type: 'string' },
        'menu-timeout': { type: 'string' },
        'unknown-hosts': { type: 'string' },
        'multicast-interface': { type: 'string' },
        'wake-broadcast': { type: 'string' },
        signatures: { type: 'string' },
        'retention-days': { type: 'string' },
        'agent-timeout': { type: 'string' },
        'metrics-auth': { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        'request-timeout': { type: 'string' },
        'headers-timeout': { type: 'string' },
        'body-idle-timeout': { type: 'string' },
        'keep-alive-timeout': { type: 'string' },
        'free-space-reserve': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new BrumeError('BAD_REQUEST', (error as Error).message);
  }
  const parsed = ServerFlags.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0] === undefined ? '' : `--${String(issue.path[0])}: `;
    throw new BrumeError('BAD_REQUEST', `${flag}${issue?.message ?? parsed.error.message}`, {
      detail: parsed.error.issues,
    });
  }
  const flags = parsed.data;
  return Object.freeze({
    dataDir: resolve(flags.data),
    listen: Object.freeze(flags.listen),
    publicUrl: flags['public-url'] ?? null,
    bootDir: resolve(flags.boot ?? DEFAULT_BOOT_DIR),
    hostNamePattern: checkHostNamePattern(flags['host-name-pattern']),
    menuTimeoutSeconds: flags['menu-timeout'],
    unknownHosts: flags['unknown-hosts'],
    multicastInterface: flags['multicast-interface'] ?? null,
    wakeBroadcast: flags['wake-broadcast'] ?? null,
    signaturesDir: flags.signatures === undefined ? null : resolve(flags.signatures),
    retentionDays: flags['retention-days'],
    agentTimeoutSeconds: flags['agent-timeout'],
    metricsAuth: flags['metrics-auth'],
    allowedHosts: Object.freeze([...flags['allow-host']]),
    freeSpaceReserveBytes: flags['free-space-reserve'],
    timeouts: Object.freeze({
      requestSeconds: flags['request-timeout'],
      headersSeconds: flags['headers-timeout'],
      bodyIdleSeconds: flags['body-idle-timeout'],
      keepAliveSeconds: flags['keep-alive-timeout'],
      tcpKeepAliveSeconds: DEFAULT_NETWORK_TIMEOUTS.tcpKeepAliveSeconds,
    }),
  });
}
