import { describe, expect, it } from 'vitest';
import { encodeStreamHeader, MulticastStart, parseStreamHeader, STREAM_HEADER_BYTES } from './multicast.ts';

describe('the multicast stream header', () => {
  const header = { session: 12, image: 'win11-2026', file: 'd1p3.pc.zst', bytes: 123_456_789 };

  it('is one fixed block that reads back as written', () => {
    const block = encodeStreamHeader(header);
    expect(block.byteLength).toBe(STREAM_HEADER_BYTES);
    expect(parseStreamHeader(block)).toEqual({ ok: true, header });
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['a cut stream', encodeStreamHeader(header).subarray(0, 100), /ended after 100 bytes, inside its header/],
    ['another program', new Uint8Array(STREAM_HEADER_BYTES).fill(0x41), /not a Brume multicast stream/],
    ['zeroes', new Uint8Array(STREAM_HEADER_BYTES), /not a Brume multicast stream/],
    [
      'garbage after the magic',
      (() => {
        const block = new Uint8Array(STREAM_HEADER_BYTES);
        block.set(new TextEncoder().encode('BRUME-MULTICAST/1\n{nope\n'));
        return block;
      })(),
      /not JSON/,
    ],
    [
      'a wrong field',
      (() => {
        const block = new Uint8Array(STREAM_HEADER_BYTES);
        block.set(new TextEncoder().encode('BRUME-MULTICAST/1\n{"session":0,"image":"x","file":"f","bytes":1}\n'));
        return block;
      })(),
      /malformed header/,
    ],
  ])('refuses %s', (_name, block, reason) => {
    const parsed = parseStreamHeader(block);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('starting a session', () => {
  it('takes hosts or a group, not both, not neither', () => {
    expect(MulticastStart.safeParse({ image: 'win11', hosts: ['pc-01'] }).success).toBe(true);
    expect(MulticastStart.safeParse({ image: 'win11', group: 'lab-2' }).success).toBe(true);
    expect(MulticastStart.safeParse({ image: 'win11' }).success).toBe(false);
    expect(MulticastStart.safeParse({ image: 'win11', hosts: ['pc-01'], group: 'lab-2' }).success).toBe(false);
    expect(MulticastStart.safeParse({ image: 'win11', group: 'lab-2', maxBitrate: 'fast' }).success).toBe(false);
    expect(
      MulticastStart.safeParse({ image: 'win11', group: 'lab-2', fec: '8x8/128', maxBitrate: '600m' }).success,
    ).toBe(true);
    // What Debian's udp-sender refuses, or aborts on mid-session (found by running it with these values).
    expect(MulticastStart.safeParse({ image: 'win11', group: 'lab-2', maxBitrate: '1g' }).success).toBe(false);
    expect(MulticastStart.safeParse({ image: 'win11', group: 'lab-2', fec: '8x200/128' }).success).toBe(false);
    expect(MulticastStart.safeParse({ image: 'win11', group: 'lab-2', fec: '8x8/200' }).success).toBe(false);
    expect(MulticastStart.safeParse({ image: 'win11', group: 'lab-2', portbase: 9001 }).success).toBe(false);
  });
});
