import { createPrng } from './prng.ts';

/** What a sample file holds: incompressible bytes, log-like text that compresses well, or nothing. */
export type ContentKind = 'random' | 'text' | 'empty';

const CHUNK = 1024 * 1024;

const WORDS = (
  'disk image partition sector block cluster inode journal extent superblock bitmap volume boot loader kernel ' +
  'capture deploy network server agent chunk manifest checksum verify restore resize shrink grow table entry ' +
  'the a of to and in is for on with that this from by at as be are was it or an not'
).split(' ');
const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const COMPONENTS = ['imaging', 'planner', 'pipeline', 'reporter', 'sys.exec', 'disk.probe'];

/** Yields the file's bytes in chunks of at most 1 MiB, the same for the same (kind, seed, size) everywhere. */
export function* contentChunks(kind: ContentKind, seed: number, size: number): Generator<Buffer> {
  if (kind === 'empty' || size === 0) return;
  if (kind === 'random') {
    const prng = createPrng(seed);
    for (let done = 0; done < size; done += CHUNK) yield prng.bytes(Math.min(CHUNK, size - done));
    return;
  }
  const text = textWriter(seed);
  for (let done = 0; done < size; done += CHUNK) yield text(Math.min(CHUNK, size - done));
}

/** The whole content in one buffer (small files). */
export function contentBytes(kind: ContentKind, seed: number, size: number): Buffer {
  return Buffer.concat([...contentChunks(kind, seed, size)]);
}

/** Log lines built from a small vocabulary: realistic, and compressible to roughly a fifth. */
function textWriter(seed: number): (length: number) => Buffer {
  const prng = createPrng(seed);
  const words = WORDS.map((word) => Buffer.from(`${word} `));
  let line = 0;
  let pending = Buffer.alloc(0);
  return (length) => {
    const out = Buffer.alloc(length);
    let at = pending.copy(out, 0);
    pending = pending.subarray(at);
    while (at < length) {
      const seconds = line++;
      const stamp = `2024-05-${String(1 + (Math.floor(seconds / 86400) % 28)).padStart(2, '0')}T${clock(seconds)}Z`;
      const parts = [Buffer.from(`${stamp} ${prng.pick(LEVELS)} ${prng.pick(COMPONENTS)}: `)];
      const count = prng.int(4, 16);
      for (let i = 0; i < count; i++) parts.push(prng.pick(words));
      parts.push(Buffer.from(`id=${prng.int(1, 999)}\n`));
      const bytes = Buffer.concat(parts);
      const copied = bytes.copy(out, at);
      at += copied;
      if (copied < bytes.length) pending = bytes.subarray(copied);
    }
    return out;
  };
}

function clock(seconds: number): string {
  const s = seconds % 86400;
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
}
