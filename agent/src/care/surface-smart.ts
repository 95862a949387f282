import type { Runner } from '../sys/exec.ts';

/**
 * What the drive said about itself: its health verdict and the counters a surface test can move (sectors remapped or
 * pending, uncorrectable reads, NVMe media errors). Unavailable is an answer (loop and most virtual disks, some USB
 * bridges), not a failure.
 */
export type SmartSnapshot =
  | { available: true; health: 'passed' | 'failed' | null; counters: Record<string, number> }
  | { available: false; reason: string };

/** smartctl's exit status is a bit mask: every value is an answer, so the Runner accepts them all. */
const EVERY_EXIT_CODE = Array.from({ length: 255 }, (_, index) => index + 1);
const COMMAND_LINE_ERROR = 1; // also "Unable to detect device type" (a loop device)
const DEVICE_OPEN_FAILED = 2; // also no IDENTIFY data (virtio), or asleep
const DISK_FAILING = 8;
const SMART_READ_FAILED = 4; // the attributes could not be read; the health may still be there

/** ATA attributes (by id) whose raw values count bad places on the disk or failed transfers. */
const ATA_COUNTERS: Record<number, string> = {
  5: 'reallocatedSectors',
  187: 'reportedUncorrectable',
  188: 'commandTimeouts',
  196: 'reallocationEvents',
  197: 'pendingSectors',
  198: 'offlineUncorrectable',
  199: 'crcErrors',
};

interface SmartctlJson {
  smartctl?: { messages?: Array<{ string?: unknown }> };
  smart_status?: { passed?: unknown };
  ata_smart_attributes?: { table?: Array<{ id?: unknown; raw?: { value?: unknown } }> };
  nvme_smart_health_information_log?: Record<string, unknown>;
  scsi_grown_defect_list?: unknown;
  scsi_error_counter_log?: { read?: { total_uncorrected_errors?: unknown } };
}

const numberOr = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function counters(json: SmartctlJson): Record<string, number> {
  const found: Record<string, number> = {};
  const put = (name: string, value: unknown): void => {
    const number = numberOr(value);
    if (number !== undefined) found[name] = number;
  };
  for (const attribute of json.ata_smart_attributes?.table ?? []) {
    const name = ATA_COUNTERS[numberOr(attribute.id) ?? -1];
    if (name !== undefined) put(name, attribute.raw?.value);
  }
  const nvme = json.nvme_smart_health_information_log;
  if (nvme !== undefined) {
    put('mediaErrors', nvme['media_errors']);
    put('errorLogEntries', nvme['num_err_log_entries']);
    put('criticalWarning', nvme['critical_warning']);
    put('percentageUsed', nvme['percentage_used']);
  }
  put('grownDefects', json.scsi_grown_defect_list);
  put('uncorrectedReadErrors', json.scsi_error_counter_log?.read?.total_uncorrected_errors);
  return found;
}

/** Reads `smartctl -j -H -A`: the health from smart_status (else the failing bit), and the counters above. */
export function parseSmartCounters(stdout: string, code: number): SmartSnapshot {
  let json: SmartctlJson | undefined;
  try {
    json = JSON.parse(stdout) as SmartctlJson;
  } catch {
    json = undefined;
  }
  if ((code & (COMMAND_LINE_ERROR | DEVICE_OPEN_FAILED)) !== 0) {
    const said = (json?.smartctl?.messages ?? [])
      .map((message) => message.string)
      .filter((text): text is string => typeof text === 'string');
    return { available: false, reason: said.join('; ') || `smartctl exit ${code}` };
  }
  if (json === undefined)
    return (code & DISK_FAILING) !== 0
      ? { available: true, health: 'failed', counters: {} }
      : { available: false, reason: 'smartctl printed no JSON' };
  const passed = json.smart_status?.passed;
  const health =
    typeof passed === 'boolean' ? (passed ? 'passed' : 'failed') : (code & DISK_FAILING) !== 0 ? 'failed' : null;
  if (health === null && (code & SMART_READ_FAILED) !== 0 && Object.keys(counters(json)).length === 0)
    return { available: false, reason: 'the drive answered no SMART command' };
  return { available: true, health, counters: counters(json) };
}

/**
 * Asks smartctl about one disk; a dying disk may never answer, so after `timeoutMs` (or when smartctl cannot run at
 * all) the snapshot says unavailable and why. Never rejects: SMART is a side note to the scan.
 */
export async function readSmartCounters(run: Runner, device: string, timeoutMs: number): Promise<SmartSnapshot> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SmartSnapshot>((resolve) => {
    timer = setTimeout(
      () => resolve({ available: false, reason: `smartctl gave no answer in ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
  });
  const asked = run('smartctl', ['-j', '-H', '-A', device], { okCodes: EVERY_EXIT_CODE }).then(
    (result) => parseSmartCounters(result.stdout, result.code),
    (error: unknown): SmartSnapshot => ({
      available: false,
      reason: `smartctl did not run: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
  try {
    return await Promise.race([asked, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
