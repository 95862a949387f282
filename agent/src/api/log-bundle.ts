import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LogFileName, type LogFile } from '@brume/protocol';
import { AGENT_LOG_FILE } from '../agent-log.ts';
import type { Runner } from '../sys/exec.ts';

export interface LogCaps {
  /** Characters kept of each file: its tail, where the failure is. The protocol allows up to 4 MiB. */
  perFile: number;
  /** Characters of the whole bundle: it travels in one request body. */
  total: number;
  /** Files in a bundle (the protocol allows 64). */
  files: number;
}

export const DEFAULT_LOG_CAPS: LogCaps = { perFile: 256 * 1024, total: 3 * 1024 * 1024, files: 64 };

/** Files read at most this far from their end: a runaway log must not fill the agent's memory. */
const READ_TAIL_BYTES = 8 * 1024 * 1024;

/** The last `cap` characters of `content`, marked as cut when something was dropped. */
export function tailCapped(content: string, cap: number): string {
  if (content.length <= cap) return content;
  const marker = `[… ${content.length - cap} characters cut; the tail follows]\n`;
  if (marker.length >= cap) return content.slice(content.length - cap);
  return marker + content.slice(content.length - (cap - marker.length));
}

/**
 * The run's logs as the server takes them: the agent's own log first, then `extra` (a dump of the disk), then every
 * other plain file of the log directory (partclone's logs) by name; each tail-capped, the whole within the budget.
 */
export async function collectLogs(
  logDir: string,
  extra: LogFile[],
  caps: LogCaps = DEFAULT_LOG_CAPS,
): Promise<LogFile[]> {
  const names = await readdir(logDir).catch(() => [] as string[]);
  const fromDir: LogFile[] = [];
  for (const name of names.sort(
    (a, b) => Number(b === AGENT_LOG_FILE) - Number(a === AGENT_LOG_FILE) || a.localeCompare(b),
  )) {
    if (extra.some((file) => file.name === name) || !LogFileName.safeParse(name).success) continue;
    const content = await readTail(join(logDir, name));
    if (content !== undefined) fromDir.push({ name, content });
  }
  const agentLog = fromDir[0]?.name === AGENT_LOG_FILE ? fromDir.splice(0, 1) : [];
  const bundle: LogFile[] = [];
  let budget = caps.total;
  for (const file of [...agentLog, ...extra, ...fromDir]) {
    if (bundle.length >= caps.files || budget <= 0) break;
    const content = tailCapped(file.content, Math.min(caps.perFile, budget));
    bundle.push({ name: file.name, content });
    budget -= content.length;
  }
  return bundle;
}

async function readTail(path: string): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) return undefined;
  const length = Math.min(info.size, READ_TAIL_BYTES);
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, info.size - length);
    return bytes.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** `sfdisk -d` of the disk as it is now, for the logs: what the capture read, or what the deploy left. */
export async function diskDumpLog(run: Runner, disk: string | undefined): Promise<LogFile[]> {
  if (disk === undefined) return [];
  const content = await run('sfdisk', ['-d', disk]).then(
    (result) => result.stdout,
    (error: unknown) => `sfdisk -d ${disk} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  return [{ name: 'disk.sfdisk.txt', content }];
}

/**
 * The machine's side of a failure, as FOG technicians ask for it: the kernel's messages (a disk's I/O errors, a driver
 * that did not load) and the block devices as lsblk sees them. A command that fails leaves a line saying so instead.
 */
export async function systemStateLogs(run: Runner): Promise<LogFile[]> {
  const capture = (command: string, args: readonly string[]): Promise<string> =>
    run(command, args).then(
      (result) => result.stdout,
      (error: unknown) =>
        `${[command, ...args].join(' ')} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  return [
    { name: 'dmesg.txt', content: await capture('dmesg', []) },
    {
      name: 'lsblk.json',
      content: await capture('lsblk', [
        '-J',
        '-b',
        '-o',
        'NAME,KNAME,SIZE,TYPE,TRAN,RM,RO,MODEL,SERIAL,PTTYPE,FSTYPE,LABEL,UUID,PARTUUID,MOUNTPOINT',
      ]),
    },
  ];
}
