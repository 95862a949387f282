import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BrumeError } from '@brume/protocol';
import { busyReason } from '../sys/devices.ts';
import type { Runner } from '../sys/exec.ts';
import { withMount } from '../sys/mount.ts';
import { findUsbDevice, mountTypeFor } from './recover-destination.ts';

export type InteractiveTool = 'testdisk' | 'photorec';

export interface InteractiveDeps {
  run: Runner;
  /** Runs a program on the console (inherited stdio) until it exits; resolves its exit status. */
  onConsole: (command: string, args: readonly string[], cwd: string) => Promise<number>;
  /** Where the tools start, and keep their log, without a USB disk (the ramdisk's /tmp). */
  workDir: string;
}

/**
 * TestDisk or PhotoRec on the console, as a technician drives them. With a USB disk named (a partition's device or its
 * filesystem label), it is mounted read-write first and the tool starts there: PhotoRec's files then go to
 * brume-recovered/<folder>/ on it by default, and its log beside them. Unmounted when the tool exits.
 * Returns what the technician is told afterwards.
 */
export async function runInteractive(
  tool: InteractiveTool,
  usbNamed: string | undefined,
  folder: string,
  deps: InteractiveDeps,
): Promise<string[]> {
  if (usbNamed === undefined) {
    const status = await deps.onConsole(tool, toolArgs(tool, undefined), deps.workDir);
    return [`${tool} exited (status ${status}); its log is ${join(deps.workDir, `${tool}.log`)}`];
  }
  const usb = await findUsbDevice(deps.run, usbNamed);
  const busy = busyReason({ path: usb.device, name: basename(usb.device), majorMinor: usb.majorMinor });
  if (busy !== undefined)
    throw new BrumeError('DEVICE_BUSY', `${usb.device} is in use: ${busy}`, { detail: { device: usb.device } });
  return withMount(deps.run, usb.device, mountTypeFor(usb), 'rw', async (mounted) => {
    const dir = join(mounted, 'brume-recovered', folder);
    await mkdir(dir, { recursive: true });
    const status = await deps.onConsole(tool, toolArgs(tool, dir), dir);
    return [
      `${tool} exited (status ${status}).`,
      `Its files and log are on ${usb.device}${usb.label === undefined ? '' : ` (${usb.label})`} in brume-recovered/${folder}/; it is unmounted now.`,
    ];
  });
}

/** PhotoRec with `/d` pointing into the USB folder (it asks for the source disk itself); TestDisk as it is. */
function toolArgs(tool: InteractiveTool, dir: string | undefined): string[] {
  if (tool === 'testdisk') return ['/log'];
  return dir === undefined ? ['/log'] : ['/log', '/d', join(dir, 'recup')];
}
