/**
 * Which erase command a drive offers, decided from what its tools print (`nvme id-ctrl -o json`, `hdparm -I`,
 * `nvme sanitize-log -o json`). Pure: unit-tested with recorded outputs, since the machines that build Brume have
 * neither NVMe nor ATA drives. The checks follow the ones Ironic Python Agent makes before its ATA and NVMe erases,
 * with sanitize preferred over format (it also clears caches and spare blocks).
 */
import { z } from 'zod';
import type { DiskTransport } from '../disk/target-choice.ts';
import type { SecureMethod } from './wipe-plan.ts';

/**
 * A value, not an exception, so the caller can tell the technician why and fall back: `blocked` means the drive could,
 * but not in its present state.
 */
export type Unavailable = { supported: false; blocked: boolean; reason: string };

/** Which command family can reach the drive, from how it is attached. */
export type EraseFamily = 'nvme' | 'ata';

export function eraseFamily(transport: DiskTransport): EraseFamily | Unavailable {
  if (transport === 'nvme') return 'nvme';
  // SATA drives behind a SAS HBA answer ATA commands through SAT; a real SCSI disk has no Security block in hdparm -I.
  if (transport === 'sata' || transport === 'scsi') return 'ata';
  if (transport === 'usb') {
    return {
      supported: false,
      blocked: false,
      reason:
        'the drive is behind a USB bridge: bridges pass security commands badly or not at all, and a drive left locked behind one is hard to recover; connect it directly',
    };
  }
  return {
    supported: false,
    blocked: false,
    reason: `a ${transport} disk has neither NVMe sanitize/format nor ATA security erase`,
  };
}

// ---- NVMe ----------------------------------------------------------------------------------------------------------

/** Identify Controller fields the choice reads (NVMe base spec, figure "Identify Controller Data Structure"). */
export interface NvmeController {
  model: string;
  /** Optional Admin Command Support: bit 1, Format NVM. */
  oacs: number;
  /** Format NVM Attributes: bit 0 format and bit 1 secure erase apply to all namespaces, bit 2 crypto erase. */
  fna: number;
  /** Sanitize Capabilities: bit 0 crypto erase, bit 1 block erase, bit 2 overwrite. */
  sanicap: number;
}

const IdCtrl = z.looseObject({
  mn: z.string().default(''),
  oacs: z.number().int(),
  fna: z.number().int(),
  sanicap: z.number().int().default(0),
});

/** undefined when the output is not nvme-cli's id-ctrl JSON. */
export function parseNvmeIdCtrl(text: string): NvmeController | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = IdCtrl.safeParse(json);
  if (!parsed.success) return undefined;
  return { model: parsed.data.mn.trim(), oacs: parsed.data.oacs, fna: parsed.data.fna, sanicap: parsed.data.sanicap };
}

/** `args`: the nvme-cli command line that starts the erase. */
export type NvmeChoice = { supported: true; method: SecureMethod; args: string[] } | Unavailable;

const hex = (value: number): string => `0x${value.toString(16)}`;

/**
 * Sanitize (crypto, then block erase) when this namespace is the only one: it erases the whole subsystem. Otherwise
 * Format NVM with secure erase (crypto when FNA bit 2 says so, else user data), unless it too reaches every namespace.
 * Overwrite sanitize is left out: hours of writes and flash wear for what a full wipe already does.
 */
export function chooseNvmeErase(controller: NvmeController, path: string, namespaces: readonly string[]): NvmeChoice {
  const alone = namespaces.length <= 1;
  if (alone && (controller.sanicap & 0b001) !== 0)
    return { supported: true, method: 'nvme-sanitize-crypto', args: ['sanitize', path, '--sanact=4'] };
  if (alone && (controller.sanicap & 0b010) !== 0)
    return { supported: true, method: 'nvme-sanitize-block', args: ['sanitize', path, '--sanact=2'] };
  if ((controller.oacs & 0b10) === 0) {
    return {
      supported: false,
      blocked: false,
      reason: `NVMe ${controller.model || 'controller'} offers neither sanitize (SANICAP ${hex(controller.sanicap)}${alone ? '' : ', unused: other namespaces share it'}) nor Format NVM (OACS ${hex(controller.oacs)})`,
    };
  }
  if (!alone && (controller.fna & 0b011) !== 0) {
    return {
      supported: false,
      blocked: false,
      reason: `a secure format on this NVMe controller erases every namespace (FNA ${hex(controller.fna)}), and it has ${namespaces.length}: ${namespaces.join(', ')}`,
    };
  }
  const crypto = (controller.fna & 0b100) !== 0;
  // Long formats outlast nvme-cli's default timeout; four hours covers a user-data erase of a large drive.
  const args = ['format', path, `--ses=${crypto ? 2 : 1}`, '--force', '--timeout=14400000'];
  return { supported: true, method: crypto ? 'nvme-format-crypto' : 'nvme-format-user-data', args };
}

/** Sanitize Status (SSTAT bits 2:0): 0 never, 1 done, 2 in progress, 3 failed, 4 done without deallocation. */
export interface SanitizeLog {
  status: number;
  /** SPROG: the fraction done, in 65536ths. */
  progress: number;
}

/** nvme-cli prints `{ "<dev>": { "sprog": n, "sstat": … } }`; sstat is a number or, since 2.x, an object with "(n) text". */
export function parseSanitizeLog(text: string): SanitizeLog | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const device = Object.values((json ?? {}) as Record<string, unknown>).find(
    (value) => typeof value === 'object' && value !== null && 'sprog' in value,
  );
  if (device === undefined) return undefined;
  const { sprog, sstat } = device as { sprog: unknown; sstat: unknown };
  const status = typeof sstat === 'number' ? sstat & 0b111 : statusFromObject(sstat);
  return typeof sprog === 'number' && status !== undefined ? { status, progress: sprog } : undefined;
}

function statusFromObject(sstat: unknown): number | undefined {
  if (typeof sstat !== 'object' || sstat === null) return undefined;
  // The key holding "(n) text" changed between nvme-cli versions; its value's shape did not.
  for (const value of Object.values(sstat)) {
    const match = typeof value === 'string' ? /^\((\d+)\)/.exec(value) : null;
    if (match !== null) return Number(match[1]);
  }
  return undefined;
}

// ---- ATA -----------------------------------------------------------------------------------------------------------

export interface AtaSecurity {
  supported: boolean;
  enabled: boolean;
  locked: boolean;
  frozen: boolean;
  /** Too many wrong passwords: the drive refuses more until it is power-cycled. */
  expired: boolean;
  enhancedErase: boolean;
  /** The drive's own estimates, from its identify data. */
  eraseMinutes?: number;
  enhancedEraseMinutes?: number;
}

/**
 * The "Security:" block of `hdparm -I`: one indented line per state bit, "not" first when the bit is clear
 * ("\tnot\tlocked", "\t\tfrozen"). undefined when there is no such block (no ATA security feature set, or no ATA).
 */
export function parseAtaSecurity(text: string): AtaSecurity | undefined {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^Security:\s*$/.test(line));
  if (start < 0) return undefined;
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s/.test(line) || line.trim() === '') break;
    block.push(line.trim().replace(/\s+/g, ' '));
  }
  const has = (state: string): boolean => block.includes(state);
  const minutes = (pattern: RegExp): number | undefined => {
    const match = pattern.exec(block.join('\n'));
    return match === null ? undefined : Number(match[1]);
  };
  const security: AtaSecurity = {
    supported: has('supported'),
    enabled: has('enabled'),
    locked: has('locked'),
    frozen: has('frozen'),
    expired: has('expired: security count'),
    enhancedErase: has('supported: enhanced erase'),
  };
  const normal = minutes(/>?(\d+)min for SECURITY ERASE UNIT/);
  const enhanced = minutes(/>?(\d+)min for ENHANCED SECURITY ERASE UNIT/);
  if (normal !== undefined) security.eraseMinutes = normal;
  if (enhanced !== undefined) security.enhancedEraseMinutes = enhanced;
  return security;
}

export type AtaDecision =
  | {
      step: 'erase';
      method: 'ata-erase-enhanced' | 'ata-erase';
      setPassword: boolean;
      estimateSeconds: number | undefined;
    }
  | { step: 'unlock' }
  | ({ step: 'refuse' } & Unavailable);

export interface AtaContext {
  /** Whether known passwords were already tried on a locked drive (each wrong one counts towards `expired`). */
  unlockTried: boolean;
  /** Whether the drive's user password is one we know (we unlocked it with it). */
  passwordKnown: boolean;
}

const UNFREEZE =
  'the BIOS froze its security at boot; suspend the PC and wake it (rtcwake -m mem -s 5) or re-plug the drive, then retry';

/** The next step towards an ATA security erase, from the drive's state (ATA security states SEC1–SEC6). */
export function decideAtaErase(security: AtaSecurity | undefined, context: AtaContext): AtaDecision {
  const refuse = (blocked: boolean, reason: string): AtaDecision => ({
    step: 'refuse',
    supported: false,
    blocked,
    reason,
  });
  if (security === undefined || !security.supported)
    return refuse(false, 'the drive does not support the ATA security feature set');
  if (security.expired)
    return refuse(
      true,
      'the drive refused too many passwords (security count expired); power it off and on, then retry',
    );
  if (security.frozen) return refuse(true, UNFREEZE);
  if (security.locked) {
    // SEC4: perhaps an earlier erase of ours stopped half-way; our password, then the empty ones, may open it.
    if (!context.unlockTried) return { step: 'unlock' };
    return refuse(true, 'the drive is locked with a password Brume does not know');
  }
  if (security.enabled && !context.passwordKnown)
    return refuse(true, 'a user password is set on the drive, and Brume does not know it');
  // Enhanced erase also reaches reallocated sectors; its pattern is the vendor's, so the read-back decides on zeroes.
  const enhanced = security.enhancedErase;
  const minutes = enhanced ? security.enhancedEraseMinutes : security.eraseMinutes;
  return {
    step: 'erase',
    method: enhanced ? 'ata-erase-enhanced' : 'ata-erase',
    setPassword: !security.enabled,
    estimateSeconds: minutes === undefined ? undefined : minutes * 60,
  };
}
