import { partitionTarget, type Manifest } from '@brume/protocol';
import type { ImageReader, Reporter } from '../ports.ts';
import { availableMemory, chunkWindow } from './chunk-window.ts';
import { CodecPool } from './codec-pool.ts';
import { progressMeter } from './progress.ts';
import { restoreStream } from './restore-stream.ts';
import { phase } from './run-context.ts';
import { Writable } from 'node:stream';

/**
 * Verifies an image the way a deploy would read it: manifest, file sizes, boot area, then every chunk's stored and raw
 * sha256 (decompressing each), without writing anything. Throws the first problem it finds.
 */
export async function verifyImage(image: ImageReader, reporter: Reporter): Promise<Manifest> {
  phase(reporter, 'verify', `checking ${image.location}`);
  const manifest = await image.manifest();
  for (const disk of manifest.disks) await image.bootArea(disk);
  const pool = new CodecPool();
  const window = chunkWindow(manifest.compression.chunkBytes, pool.size, availableMemory());
  const source = image.chunks();
  try {
    for (const partition of manifest.partitions) {
      if (partition.file === null) continue;
      const target = partitionTarget(partition.disk, partition.number);
      const meter = progressMeter({ reporter, phase: 'verify', target, bytesTotal: partition.rawBytes });
      await restoreStream(partition, source, discard(), pool, window, (bytes) => meter.update(bytes));
      meter.finish(partition.rawBytes);
    }
  } finally {
    await source.close();
    await pool.close();
  }
  return manifest;
}

const discard = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });
