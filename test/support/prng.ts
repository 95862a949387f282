/** A small seeded generator: the same seed gives the same bytes on every machine, so sample disks are reproducible. */
export interface Prng {
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** `length` incompressible bytes. */
  bytes(length: number): Buffer;
  /** A new generator whose stream depends on this one's seed and `label` only (not on how much was drawn). */
  fork(label: string): Prng;
}

/** FNV-1a: turns a label into a seed. */
export function hashSeed(text: string, base = 0x811c9dc5): number {
  let hash = base >>> 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** mulberry32 for scalars; bytes come from xorshift128 (seeded from mulberry32), which fills a Uint32Array quickly. */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0;
  const uint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const int = (min: number, max: number): number => min + Math.floor((uint32() / 0x1_0000_0000) * (max - min + 1));
  return {
    uint32,
    int,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    bytes: (length) => xorshiftBytes(length, [uint32(), uint32(), uint32(), uint32() | 1]),
    fork: (label) => createPrng(hashSeed(label, seed)),
  };
}

function xorshiftBytes(length: number, seeds: readonly [number, number, number, number]): Buffer {
  const words = new Uint32Array(Math.ceil(length / 4));
  let [x, y, z, w] = seeds;
  for (let i = 0; i < words.length; i++) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    words[i] = w;
  }
  return Buffer.from(words.buffer, 0, length);
}
