import { describe, expect, it } from 'vitest';
import { ImageFileName } from './api.ts';
import {
  bootAreaFileName,
  partitionFileName,
  partitionTarget,
  partitionTargetOfFile,
  sfdiskFileName,
} from './image-files.ts';

describe('image file names', () => {
  it("names a disk's files and partitions the way image directories, uploads and progress events do", () => {
    expect([bootAreaFileName(1), sfdiskFileName(1), partitionFileName(1, 2), partitionTarget(1, 2)]).toEqual([
      'd1.boot',
      'd1.sfdisk',
      'd1p2.pc.zst',
      'd1p2',
    ]);
  });

  it('builds only names the ImageFileName schema accepts', () => {
    for (const name of [bootAreaFileName(1), sfdiskFileName(12), partitionFileName(1, 2), partitionFileName(3, 128)]) {
      expect(ImageFileName.safeParse(name).success, name).toBe(true);
    }
  });

  it('finds the partition a partition file holds, and none in the boot area or the table', () => {
    expect(partitionTargetOfFile(partitionFileName(2, 5))).toBe('d2p5');
    expect(partitionTargetOfFile(bootAreaFileName(1))).toBeUndefined();
    expect(partitionTargetOfFile(sfdiskFileName(1))).toBeUndefined();
  });
});
