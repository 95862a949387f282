import { openSync, closeSync } from 'node:fs';
import koffi from 'koffi';

// ioctl numbers from <linux/fs.h>; Node has no API for them, hence koffi (a C call from JavaScript, with no addon to
// compile).
const BLKGETSIZE64 = 0x80081272;
const BLKSSZGET = 0x1268;
const BLKPBSZGET = 0x127b;

export interface BlockGeometry {
  sizeBytes: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
}

interface Ioctls {
  u64: (fd: number, request: number, out: number[]) => number;
  int: (fd: number, request: number, out: number[]) => number;
}

function loadIoctls(): Ioctls {
  const libc = koffi.load('libc.so.6');
  return {
    u64: libc.func('int ioctl(int fd, unsigned long request, _Out_ uint64_t *out)') as Ioctls['u64'],
    int: libc.func('int ioctl(int fd, unsigned long request, _Out_ int *out)') as Ioctls['int'],
  };
}

/** Size and sector sizes of a block device, straight from the kernel. */
export function readGeometry(devicePath: string, ioctls: Ioctls = loadIoctls()): BlockGeometry {
  const fd = openSync(devicePath, 'r');
  try {
    const size = [0];
    const logical = [0];
    const physical = [0];
    if (ioctls.u64(fd, BLKGETSIZE64, size) !== 0) throw new Error(`BLKGETSIZE64 failed on ${devicePath}`);
    if (ioctls.int(fd, BLKSSZGET, logical) !== 0) throw new Error(`BLKSSZGET failed on ${devicePath}`);
    if (ioctls.int(fd, BLKPBSZGET, physical) !== 0) throw new Error(`BLKPBSZGET failed on ${devicePath}`);
    return { sizeBytes: Number(size[0]), logicalSectorSize: logical[0] ?? 512, physicalSectorSize: physical[0] ?? 512 };
  } finally {
    closeSync(fd);
  }
}
