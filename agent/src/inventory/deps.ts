import type { Runner } from '../sys/exec.ts';

/**
 * What the inventory reads the machine through. Production passes `run` only; the roots default to where the kernel
 * mounts its trees, and unit tests point them at fixture trees in a temp dir (with a fake `run`).
 */
export interface InventoryDeps {
  run: Runner;
  /** sysfs (/sys) */
  sysRoot?: string;
  /** procfs (/proc) */
  procRoot?: string;
  /** devtmpfs (/dev): only to name devices to the tools. */
  devRoot?: string;
  now?: () => Date;
  /** How long smartctl may take per disk before its health is left unknown (a dying disk can stall for minutes). */
  smartTimeoutMs?: number;
}

export type InventorySources = Required<InventoryDeps>;

/** A part of the inventory that could not be read, said in words for the technician; never fatal. */
export type Warn = (message: string) => void;

export const DEFAULT_SMART_TIMEOUT_MS = 30_000;

export function inventorySources(deps: InventoryDeps): InventorySources {
  return {
    run: deps.run,
    sysRoot: deps.sysRoot ?? '/sys',
    procRoot: deps.procRoot ?? '/proc',
    devRoot: deps.devRoot ?? '/dev',
    now: deps.now ?? (() => new Date()),
    smartTimeoutMs: deps.smartTimeoutMs ?? DEFAULT_SMART_TIMEOUT_MS,
  };
}

/** The message of anything thrown, on one line (tool errors carry stderr's last lines). */
export function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' / ');
}
