import { createHash, randomBytes } from 'node:crypto';
import { IMAGE_FORMAT, Manifest, type ManifestPartition } from '@brume/protocol';

export const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

export interface FakeChunk {
  file: string;
  index: number;
  offset: number;
  data: Buffer;
  sha256: string;
}

export interface FakeImage {
  manifest: Manifest;
  /** Every file's whole content, by name. */
  files: Map<string, Buffer>;
  /** What an agent uploads: every chunk of every file, boot area and sfdisk dump as chunk 0. */
  chunks: FakeChunk[];
}

/**
 * A small image built the way agent/src/imaging/capture.ts builds a real one: boot area, sfdisk dump, partition
 * streams cut into chunks with their offsets and sha256s (random bytes stand in for zstd frames), a swap partition
 * without a file.
 */
export function fakeImage(name: string, partitionChunkSizes: number[][] = [[1000, 1500, 700], [2048]]): FakeImage {
  const boot = randomBytes(4096);
  const sfdisk = Buffer.from('label: gpt\nlabel-id: 0D1C5E4B-0000-4000-8000-000000000001\nunit: sectors\n\n/dev/sda1 : start=2048, size=4096\n');
  const files = new Map<string, Buffer>([['d1.boot', boot], ['d1.sfdisk', sfdisk]]);
  const chunks: FakeChunk[] = [
    { file: 'd1.boot', index: 0, offset: 0, data: boot, sha256: sha256(boot) },
    { file: 'd1.sfdisk', index: 0, offset: 0, data: sfdisk, sha256: sha256(sfdisk) },
  ];
  const partitions: ManifestPartition[] = partitionChunkSizes.map((sizes, position) => {
    const number = position + 1;
    const file = `d1p${number}.pc.zst`;
    const pieces = sizes.map((size) => randomBytes(size));
    let offset = 0;
    const manifestChunks = pieces.map((data, index) => {
      chunks.push({ file, index, offset, data, sha256: sha256(data) });
      const chunk = { rawOffset: index * 4096, rawBytes: 4096, rawSha256: sha256(`raw ${index}`), offset, bytes: data.length, sha256: sha256(data) };
      offset += data.length;
      return chunk;
    });
    const whole = Buffer.concat(pieces);
    files.set(file, whole);
    return {
      disk: 1, number, startBytes: 1048576 * number, sizeBytes: 1048576, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
      fs: 'ext4', usedBytes: 4096 * sizes.length, minBytes: 1048576, resizable: true, tool: 'partclone.ext4', file,
      rawBytes: 4096 * sizes.length, storedBytes: whole.length, sha256: sha256(whole), chunks: manifestChunks,
    };
  });
  partitions.push({
    disk: 1, number: partitions.length + 1, startBytes: 8 * 1048576, sizeBytes: 1048576, type: '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F',
    fs: 'swap', usedBytes: 0, minBytes: 1048576, resizable: false, tool: 'mkswap', file: null, rawBytes: 0, storedBytes: 0, sha256: null, chunks: [],
  });
  const manifest = Manifest.parse({
    format: IMAGE_FORMAT,
    name,
    created: '2026-01-02T03:04:05.000Z',
    source: { host: 'master-pc', device: '/dev/sda' },
    tools: { partclone: '0.3.27', zstd: '1.5.5' },
    compression: { algorithm: 'zstd', level: 3, chunkBytes: 32 * 1024 * 1024 },
    disks: [{
      index: 1, sizeBytes: 16 * 1048576, logicalSectorSize: 512, physicalSectorSize: 512, label: 'gpt', id: '0D1C5E4B-0000-4000-8000-000000000001',
      firstUsableBytes: 17408, bootArea: { file: 'd1.boot', bytes: boot.length, sha256: sha256(boot) }, sfdiskFile: 'd1.sfdisk',
      table: { partitiontable: { label: 'gpt', unit: 'sectors', partitions: [] } },
    }],
    partitions,
  });
  return { manifest, files, chunks };
}
