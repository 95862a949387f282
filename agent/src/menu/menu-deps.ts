import type { CollectedInventory } from '../registration.ts';
import type { TerminalUi } from '../ui/terminal/terminal-ui.ts';

/** How a task started from the menu ended: what the failure screen needs. */
export type MenuTaskOutcome =
  | { ok: true; summary: string }
  | { ok: false; step: string; code: string; message: string; logTail: string[]; logsShipped: boolean };

/** Everything the technician's menu touches: the screen, the server, this PC. Tests replace what they must. */
export interface MenuDeps {
  ui: TerminalUi;
  /** The server's URL, as on the kernel command line or --server. */
  server: string;
  collect: () => Promise<CollectedInventory>;
  /** Runs a task the server just created for this PC (its id and token), its progress on the console. */
  runTask: (task: { id: number; token: string }) => Promise<MenuTaskOutcome>;
  /** Text lines of this PC's disks with their partitions and filesystems (lsblk), and the target disk and why. */
  disksText: () => Promise<string[]>;
  /** A shell on the console until it exits (`brume agent` is on its PATH). */
  shell: () => Promise<void>;
  /** The disk a task started here works on (the --disk flag, else the agent's rule); undefined: none fits. */
  targetDisk: () => Promise<string | undefined>;
  /** TestDisk or PhotoRec on the console; a USB disk named is mounted first and the tool starts in `folder` on it. */
  interactive: (tool: 'testdisk' | 'photorec', usb: string | undefined, folder: string) => Promise<string[]>;
  power: (action: 'reboot' | 'poweroff') => Promise<void>;
  retryDeadlineMs: number;
}
