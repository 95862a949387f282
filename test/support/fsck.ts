import { FILESYSTEMS, type SampleFs } from './filesystems.ts';
import { tool } from './tools.ts';

export interface FsckResult {
  clean: boolean;
  /** The checker's stdout and stderr, for the assertion message. */
  output: string;
}

/** Checks the filesystem on `device` without repairing anything (e2fsck -fn, ntfsfix -n, fsck.vfat -n, …). */
export async function fsck(device: string, fs: SampleFs): Promise<FsckResult> {
  const [command, ...args] = FILESYSTEMS[fs].fsck(device);
  if (device.startsWith('/dev/')) await tool('blockdev', ['--flushbufs', device]);
  const { code, stdout, stderr } = await tool(command, args, { okCodes: range(1, 255) });
  return { clean: code === 0, output: `$ ${command} ${args.join(' ')} (exit ${code})\n${stdout}${stderr}` };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
