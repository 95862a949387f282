import type { InventoryDisk } from '@brume/protocol';
import type { Runner } from '../sys/exec.ts';
import { cleanText } from './sysfs.ts';

export interface SmartReport {
  health: InventoryDisk['smartHealth'];
  /** The drive's own identify strings: whole, where sysfs truncates an ATA model to SCSI's 16 characters. */
  model: string | null;
  serial: string | null;
}

const UNAVAILABLE: SmartReport = { health: null, model: null, serial: null };

/** smartctl's exit status is a bit mask; every value is an answer, so the Runner must accept them all. */
const EVERY_EXIT_CODE = Array.from({ length: 255 }, (_, index) => index + 1);
const COMMAND_LINE_ERROR = 1;
const DEVICE_OPEN_FAILED = 2; // also: no IDENTIFY data (virtio, most virtual disks), or asleep
const DISK_FAILING = 8; // the SMART status said "failing"

interface SmartctlJson {
  model_name?: unknown;
  serial_number?: unknown;
  smart_status?: { passed?: unknown };
}

/** Reads `smartctl -i -H -j` output: health from smart_status, else the failing bit; nothing when the device had none. */
export function parseSmartctl(stdout: string, code: number): SmartReport {
  if ((code & (COMMAND_LINE_ERROR | DEVICE_OPEN_FAILED)) !== 0) return UNAVAILABLE;
  let json: SmartctlJson;
  try {
    json = JSON.parse(stdout) as SmartctlJson;
  } catch {
    return { ...UNAVAILABLE, health: (code & DISK_FAILING) !== 0 ? 'failed' : null };
  }
  const passed = json.smart_status?.passed;
  const health =
    typeof passed === 'boolean' ? (passed ? 'passed' : 'failed') : (code & DISK_FAILING) !== 0 ? 'failed' : null;
  const text = (value: unknown): string | null => (typeof value === 'string' ? cleanText(value) : null);
  return { health, model: text(json.model_name), serial: text(json.serial_number) };
}

/**
 * Asks smartctl about one disk. Resolves null-filled when the disk has no SMART (virtual disks, some USB bridges);
 * rejects only when smartctl cannot run at all, or takes longer than `timeoutMs` (a dying disk), so the caller can say so.
 */
export async function readSmart(run: Runner, device: string, timeoutMs: number): Promise<SmartReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`smartctl ${device} gave no answer in ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    const result = await Promise.race([
      run('smartctl', ['-i', '-H', '-j', device], { okCodes: EVERY_EXIT_CODE }),
      timeout,
    ]);
    return parseSmartctl(result.stdout, result.code);
  } finally {
    clearTimeout(timer);
  }
}
