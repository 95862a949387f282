import type { FsType } from '@brume/protocol';
import type { Runner } from '../../sys/exec.ts';

/** What `blkid -p -o export` said about a partition. */
export type Probe = Readonly<Record<string, string>>;

export interface Usage {
  usedBytes: number;
  /** Smallest partition this filesystem can be shrunk to (sizeBytes when it cannot). */
  minBytes: number;
}

/**
 * One filesystem, as the imaging engine needs to know it. The engine never switches on fsType: it asks the adapter.
 * Capabilities an adapter lacks are absent (no grow → never marked resizable, no shrink → minBytes = size).
 */
export interface FilesystemAdapter {
  readonly fsType: FsType;
  detect(probe: Probe): boolean;
  /** partclone tool that captures and restores it; null when the content is re-created instead (swap). */
  readonly partcloneTool: string | null;
  usage(run: Runner, device: string, sizeBytes: number): Promise<Usage>;
  /** Grows the filesystem to fill its (larger) partition. */
  grow?(run: Runner, device: string): Promise<void>;
  /** Shrinks the filesystem on `device` (a block device or a staging file) to at most `bytes`. */
  shrink?(run: Runner, device: string, bytes: number): Promise<void>;
  /** Puts right what a restore at a new place leaves stale in the filesystem's own records (NTFS boot sectors). */
  afterRestore?(device: string, placement: { startBytes: number; sizeBytes: number }): Promise<void>;
  /** Re-creates content that is not copied (swap), keeping the identity recorded at capture. */
  recreate?(run: Runner, device: string, identity: { uuid?: string; label?: string }): Promise<void>;
}

/** Reads `key : value` / `key = value` lines the way e2fsprogs, xfs_db and ntfsresize print them. */
export function field(text: string, key: string): string | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\s*${escaped}\\s*[:=]\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
}

export function numberField(text: string, key: string): number {
  const value = field(text, key);
  const parsed = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  if (!Number.isFinite(parsed)) throw new Error(`expected a number for "${key}" in:\n${text.slice(0, 2000)}`);
  return parsed;
}

/** Headroom over a tool's own minimum estimate: metadata, the journal, and files written at first boot. */
export function withHeadroom(minimumBytes: number, sizeBytes: number): number {
  return Math.min(sizeBytes, Math.ceil(minimumBytes * 1.1) + 16 * 1024 * 1024);
}
