import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BrumeError } from '@brume/protocol';
import { z } from 'zod';

/**
 * The server's whole configuration, parsed once from `brume server` flags (style.md §11). No other module reads
 * process.argv or process.env: this frozen value is passed down.
 */
export interface Config {
  /** Absolute path of DATA: admin.token, brume.db, images/, uploads/. */
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** The URL agents reach the server by; null: derived from each request's Host header. */
  readonly publicUrl: string | null;
  /** Absolute path of the directory holding vmlinuz and initrd.zst (served under /boot/). */
  readonly bootDir: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8080';
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

const ServerFlags = z.object({
  data: z.string({ error: '--data DIR is required' }).min(1, '--data DIR is required'),
  listen: Listen.default(Listen.parse(DEFAULT_LISTEN)),
  'public-url': PublicUrl.optional(),
  boot: z.string().min(1, '--boot DIR must name a directory').optional(),
});

/** Parses `brume server` flags; bad input is a BAD_REQUEST naming the flag. */
export function parseServerArgs(argv: readonly string[]): Config {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { data: { type: 'string' }, listen: { type: 'string' }, 'public-url': { type: 'string' }, boot: { type: 'string' } },
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
    throw new BrumeError('BAD_REQUEST', `${flag}${issue?.message ?? parsed.error.message}`, { detail: parsed.error.issues });
  }
  const flags = parsed.data;
  return Object.freeze({
    dataDir: resolve(flags.data),
    listen: Object.freeze(flags.listen),
    publicUrl: flags['public-url'] ?? null,
    bootDir: resolve(flags.boot ?? DEFAULT_BOOT_DIR),
  });
}
