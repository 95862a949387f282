import { open } from 'node:fs/promises';

export interface ElfLinking {
  /** The program interpreter (PT_INTERP), if the file is a dynamically linked executable. */
  interpreter: string | undefined;
  /** DT_NEEDED sonames. */
  needed: string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/**
 * How a 64-bit little-endian ELF file links, or undefined for anything else (scripts, data). Needed because
 * `ld.so --list` crashes on static-pie binaries such as busybox-static: only files that link something are asked.
 */
export async function elfLinking(path: string): Promise<ElfLinking | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 64) return undefined;
    const read = async (offset: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, offset);
      return buffer;
    };
    const header = await read(0, 64);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return undefined;
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = await read(phoff, phentsize * phnum);
    const segments: Segment[] = Array.from({ length: phnum }, (_, i) => ({
      type: table.readUInt32LE(i * phentsize),
      offset: Number(table.readBigUInt64LE(i * phentsize + 8)),
      vaddr: Number(table.readBigUInt64LE(i * phentsize + 16)),
      filesz: Number(table.readBigUInt64LE(i * phentsize + 32)),
    }));
    const interp = segments.find((s) => s.type === PT_INTERP);
    const interpreter =
      interp === undefined
        ? undefined
        : (await read(interp.offset, interp.filesz)).toString('latin1').replace(/\0.*$/s, '');
    const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
    if (dynamic === undefined) return { interpreter, needed: [] };
    const entries = await read(dynamic.offset, dynamic.filesz);
    const tags: Array<[number, number]> = [];
    for (let at = 0; at + 16 <= entries.length; at += 16)
      tags.push([Number(entries.readBigInt64LE(at)), Number(entries.readBigUInt64LE(at + 8))]);
    const strtabAddress = tags.find(([tag]) => tag === DT_STRTAB)?.[1];
    const load = segments.find(
      (s) =>
        s.type === PT_LOAD &&
        strtabAddress !== undefined &&
        strtabAddress >= s.vaddr &&
        strtabAddress < s.vaddr + s.filesz,
    );
    if (strtabAddress === undefined || load === undefined) return { interpreter, needed: [] };
    const strtab = strtabAddress - load.vaddr + load.offset;
    const needed: string[] = [];
    for (const [tag, value] of tags) {
      if (tag !== DT_NEEDED) continue;
      const bytes = await read(strtab + value, 256);
      needed.push(bytes.toString('latin1').replace(/\0.*$/s, ''));
    }
    return { interpreter, needed };
  } finally {
    await handle.close();
  }
}
