import { inflateSync } from 'node:zlib';

/** A decoded PNG: RGBA, 8 bits per channel, row after row. */
export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Decodes what Chromium's screenshots are: 8-bit RGB or RGBA, not interlaced. Enough to check a screenshot's pixels
 * from the test's side, without trusting the page that drew them; anything else is refused loudly.
 */
export function decodePng(png: Uint8Array): Pixels {
  const data = Buffer.from(png);
  if (!data.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG (bad signature)');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const compressed: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      compressed.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(compressed));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const current = new Uint8Array(stride);
    for (let x = 0; x < stride; x += 1) {
      const a = x >= channels ? (current[x - channels] ?? 0) : 0;
      const b = previous[x] ?? 0;
      const c = x >= channels ? (previous[x - channels] ?? 0) : 0;
      current[x] = ((line[x] ?? 0) + unfilter(filter ?? 0, a, b, c)) & 0xff;
    }
    for (let x = 0; x < width; x += 1) {
      out.set(
        [
          current[x * channels] ?? 0,
          current[x * channels + 1] ?? 0,
          current[x * channels + 2] ?? 0,
          channels === 4 ? (current[x * channels + 3] ?? 0) : 255,
        ],
        (y * width + x) * 4,
      );
    }
    previous = current;
  }
  return { width, height, rgba: out };
}

function unfilter(filter: number, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return Math.floor((a + b) / 2);
    case 4: {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new Error(`bad PNG filter type ${filter}`);
  }
}

/** The colour at (x, y) as [r, g, b]. */
export function pixelAt(pixels: Pixels, x: number, y: number): [number, number, number] {
  const at = (Math.round(y) * pixels.width + Math.round(x)) * 4;
  return [pixels.rgba[at] ?? 0, pixels.rgba[at + 1] ?? 0, pixels.rgba[at + 2] ?? 0];
}
