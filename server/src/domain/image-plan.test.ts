import { describe, expect, it } from 'vitest';
import { fakeImage } from '../../../test/fixtures/fake-image.ts';
import { expectedFiles } from './image-plan.ts';

describe('expectedFiles', () => {
  it('lists the boot area, the sfdisk dump and every partition file with its chunks', () => {
    const files = expectedFiles(fakeImage('x').manifest);
    expect(files.map((file) => [file.file, file.chunks.length])).toEqual([
      ['d1.boot', 1],
      ['d1.sfdisk', 1],
      ['d1p1.pc.zst', 3],
      ['d1p2.pc.zst', 1],
    ]);
    expect(files[1]).toMatchObject({ sha256: null, chunks: [{ index: 0, offset: 0, bytes: null, sha256: null }] });
  });

  it.each([
    [
      'a gap between chunks',
      (m: ReturnType<typeof fakeImage>['manifest']) => void (m.partitions[0]!.chunks[1]!.offset += 1),
    ],
    [
      'a stored size that is not the sum',
      (m: ReturnType<typeof fakeImage>['manifest']) => void (m.partitions[0]!.storedBytes += 1),
    ],
    [
      'a file named twice',
      (m: ReturnType<typeof fakeImage>['manifest']) => void (m.partitions[1]!.file = 'd1p1.pc.zst'),
    ],
    [
      'a file name no upload can have',
      (m: ReturnType<typeof fakeImage>['manifest']) => void (m.disks[0]!.sfdiskFile = 'manifest.json'),
    ],
    [
      'chunks without a file',
      (m: ReturnType<typeof fakeImage>['manifest']) => void (m.partitions[2]!.chunks = m.partitions[0]!.chunks),
    ],
    [
      'a partition file with no chunk',
      (m: ReturnType<typeof fakeImage>['manifest']) =>
        void Object.assign(m.partitions[1]!, { chunks: [], storedBytes: 0 }),
    ],
  ])('refuses %s', (_what, spoil) => {
    const manifest = structuredClone(fakeImage('x').manifest);
    spoil(manifest);
    expect(() => expectedFiles(manifest)).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
  });
});
