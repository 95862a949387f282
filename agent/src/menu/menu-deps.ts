import type { CollectedInventory } from '../registration.ts';
import type { TerminalUi } from '../ui/terminal/terminal-ui.ts';

/** How a deploy started from the menu ended: what the failure screen needs. */
export type MenuTaskOutcome = { ok: true; summary: string } | { ok: false; step: string; code: string; message: string; logTail: string[]; logsShipped: boolean };

/** Everything the technician's menu touches: the screen, the server, this PC. Tests replace what they must. */
export interface MenuDeps {
  ui: TerminalUi;
  /** The server's URL, as on the kernel command line or --server. */
  server: string;
  collect: () => Promise<CollectedInventory>;
  /** Runs a deploy task the server just created for this PC (its id and token), its progress on the console. */
  runTask: (task: { id: number; token: string }) => Promise<MenuTaskOutcome>;
  /** Text lines of this PC's disks with their partitions and filesystems (lsblk), and the target disk and why. */
  disksText: () => Promise<string[]>;
  /** A shell on the console until it exits (`brume agent` is on its PATH). */
  shell: () => Promise<void>;
  power: (action: 'reboot' | 'poweroff') => Promise<void>;
  retryDeadlineMs: number;
}
