/**
 * The layout planner: where each captured partition of one disk goes on a target disk. Pure: no I/O; it returns a
 * plan or a BrumeError and never throws.
 *
 * Policy (the project's; FOG and Clonezilla's -k1 also grow proportionally):
 * 1. Same size and same logical sector size: the source table, unchanged (`identical`).
 * 2. Larger disk: the extra space (target usable end − source end) goes to the `resizable` partitions in proportion
 *    to their source sizes. Grown ends are aligned down to 1 MiB; later partitions shift right keeping their source
 *    gap, and a start that was 1 MiB-aligned stays so. Capture marks only data filesystems resizable (never ESP, MSR
 *    or Windows Recovery), so a Windows disk grows C: only. Nothing resizable: source positions, and a note.
 * 3. Smaller disk: the reduction R = source end − target usable end is taken from the shrinkable partitions
 *    (`resizable`, room = size − alignUp(minBytes, 1 MiB) > 0) in proportion to their room, rounded up so the table
 *    fits. Too little room is DISK_TOO_SMALL with the shortfall. A shrinking filesystem is restored full-size into a
 *    sparse staging file, shrunk, then copied, so `stagingBytes` is the sum of the shrunk partitions' usedBytes.
 * 4. MBR extended: logical partitions (≥ 5) keep their source gap to the previous one (where the EBR lives); the
 *    container gets no space itself and spans from its source offset before the first logical to the last one's end.
 * 5. Sector sizes: every offset and size is a multiple of the target's logical sector. 512 → 4096 is allowed only
 *    when the plan is 4096-aligned and no filesystem records its sector size (vfat, ntfs, xfs), else
 *    SECTOR_SIZE_MISMATCH; 4096 → 512 always is.
 * Usable end: GPT leaves room for the backup table (16 KiB of entries + header) and ends on a 1 MiB boundary; dos
 * ends on a 1 MiB boundary. A source end between that and the table's hard limit keeps its positions.
 */
import { BrumeError, formatBytes } from '@brume/protocol';
import type {
  BootAreaRange,
  LayoutPlan,
  ManifestDisk,
  ManifestPartition,
  PartitionLabel,
  PlannedPartition,
  TargetDisk,
} from '@brume/protocol';

const MiB = 1024 * 1024;
const GPT_ENTRIES_BYTES = 16384;
const BOOT_CODE_BYTES = 440;
const RETRIES = 64;
const SECTOR_RECORDING_FS: ReadonlySet<string> = new Set(['vfat', 'ntfs', 'xfs']);

interface Placement {
  readonly start: number;
  readonly size: number;
  readonly resize: PlannedPartition['resize'];
}
type Placements = ReadonlyMap<number, Placement>;
interface Source {
  readonly label: PartitionLabel;
  readonly all: readonly ManifestPartition[];
  readonly top: readonly ManifestPartition[];
  readonly logicals: readonly ManifestPartition[];
}
interface Geometry {
  readonly firstUsable: number;
  readonly usableEnd: number;
  readonly hardEnd: number;
}
interface Outcome {
  readonly placements: Placements;
  readonly identical: boolean;
  readonly notes: readonly string[];
}

const alignDown = (n: number, a: number): number => n - (n % a);
const alignUp = (n: number, a: number): number => alignDown(n + a - 1, a);
const endOf = (p: { start: number; size: number }): number => p.start + p.size;
const isContainer = (label: PartitionLabel, p: ManifestPartition): boolean => label === 'dos' && p.fs === 'extended';
const shrinkRoom = (p: ManifestPartition): number => p.sizeBytes - alignUp(p.minBytes, MiB);

export function planLayout(
  disk: ManifestDisk,
  partitions: readonly ManifestPartition[],
  target: TargetDisk,
): LayoutPlan | BrumeError {
  const src = splitSource(disk.label, partitions);
  if (src instanceof BrumeError) return src;
  const refused = refuseSectorFs(disk, partitions, target);
  if (refused) return refused;
  const geo = geometry(disk, target);
  const outcome = place(disk, target, src, geo);
  if (outcome instanceof BrumeError) return outcome;
  const invalid = checkPlacements(disk, target, geo, src, outcome.placements);
  if (invalid) return invalid;
  return buildPlan(disk, target, geo, src, outcome);
}

function splitSource(label: PartitionLabel, partitions: readonly ManifestPartition[]): Source | BrumeError {
  const byStart = [...partitions].sort((a, b) => a.startBytes - b.startBytes);
  const logicals = byStart.filter((p) => label === 'dos' && p.number >= 5);
  const containers = byStart.filter((p) => isContainer(label, p));
  if (logicals.length > 0 && containers.length !== 1) {
    return new BrumeError(
      'MANIFEST_INVALID',
      `disk has ${logicals.length} logical partitions but ${containers.length} extended containers`,
    );
  }
  return { label, all: byStart, top: byStart.filter((p) => !logicals.includes(p)), logicals };
}

function refuseSectorFs(
  disk: ManifestDisk,
  partitions: readonly ManifestPartition[],
  target: TargetDisk,
): BrumeError | undefined {
  const from = disk.logicalSectorSize;
  const to = target.logicalSectorSize;
  const holder = to > from ? partitions.find((p) => SECTOR_RECORDING_FS.has(p.fs)) : undefined;
  if (!holder) return undefined;
  return new BrumeError(
    'SECTOR_SIZE_MISMATCH',
    `partition ${holder.number} (${holder.fs}) records its ${from}-byte sectors in its own metadata and cannot move to ${target.path}, which has ${to}-byte sectors`,
    { detail: { partition: holder.number, fs: holder.fs, sourceSectorSize: from, targetSectorSize: to } },
  );
}

function geometry(disk: ManifestDisk, target: TargetDisk): Geometry {
  const lss = target.logicalSectorSize;
  const gpt = disk.label === 'gpt';
  const minFirst = gpt ? 2 * lss + alignUp(GPT_ENTRIES_BYTES, lss) : lss;
  const keepFirst = disk.firstUsableBytes % lss === 0 && disk.firstUsableBytes >= minFirst;
  return {
    firstUsable: keepFirst ? disk.firstUsableBytes : minFirst,
    usableEnd: alignDown(gpt ? target.sizeBytes - GPT_ENTRIES_BYTES - 2 * lss : target.sizeBytes, MiB),
    hardEnd: gpt ? target.sizeBytes - alignUp(GPT_ENTRIES_BYTES, lss) - lss : alignDown(target.sizeBytes, lss),
  };
}

/** The end of the source's partitions; an extended container counts only as far as its last logical. */
function sourceEnd(src: Source): number {
  const counted = src.logicals.length > 0 ? src.all.filter((p) => !isContainer(src.label, p)) : src.all;
  return counted.reduce((end, p) => Math.max(end, p.startBytes + p.sizeBytes), 0);
}

function place(disk: ManifestDisk, target: TargetDisk, src: Source, geo: Geometry): Outcome | BrumeError {
  if (target.sizeBytes === disk.sizeBytes && target.logicalSectorSize === disk.logicalSectorSize) {
    const placements = new Map(
      src.all.map((p) => [p.number, { start: p.startBytes, size: p.sizeBytes, resize: 'none' } as const]),
    );
    return { placements, identical: true, notes: ['same size and sector size as the source: identical table'] };
  }
  const end = sourceEnd(src);
  if (end > geo.hardEnd) return shrink(src, end - geo.usableEnd, geo.usableEnd, target);
  const growable = src.all.filter((p) => p.resizable && !isContainer(src.label, p));
  const extra = geo.usableEnd - end;
  if (extra <= 0 || growable.length === 0) {
    const notes = extra > 0 ? [`no partition is resizable: ${formatBytes(extra)} left unallocated`] : [];
    return { placements: layout(src, new Map()), identical: false, notes };
  }
  return { placements: grow(src, growable, extra, geo.usableEnd), identical: false, notes: [] };
}

function grow(src: Source, growable: readonly ManifestPartition[], extra: number, usableEnd: number): Placements {
  const weights = new Map(growable.map((p) => [p.number, p.sizeBytes]));
  for (let budget = extra, tries = 0; budget > 0 && tries < RETRIES; tries += 1) {
    const placed = layout(src, share(budget, weights, false));
    const over = lastEnd(placed) - usableEnd;
    if (over <= 0) return placed;
    budget -= alignUp(over, MiB);
  }
  return layout(src, new Map());
}

function shrink(src: Source, reduction: number, usableEnd: number, target: TargetDisk): Outcome | BrumeError {
  const shrinkable = src.all.filter((p) => p.resizable && !isContainer(src.label, p) && shrinkRoom(p) > 0);
  const rooms = new Map(shrinkable.map((p) => [p.number, shrinkRoom(p)]));
  const totalRoom = [...rooms.values()].reduce((a, b) => a + b, 0);
  for (let need = reduction, tries = 0; tries < RETRIES; tries += 1) {
    if (need > totalRoom) return tooSmall(need - totalRoom, target);
    const cuts = new Map([...share(need, rooms, true)].map(([n, cut]) => [n, -cut]));
    const placed = layout(src, cuts);
    const over = lastEnd(placed) - usableEnd;
    if (over <= 0) return { placements: placed, identical: false, notes: [] };
    need += alignUp(over, MiB);
  }
  return new BrumeError('INTERNAL', `no shrunk layout fits ${target.path} after ${RETRIES} tries`);
}

function tooSmall(shortfall: number, target: TargetDisk): BrumeError {
  return new BrumeError(
    'DISK_TOO_SMALL',
    `image needs ${formatBytes(shortfall)} more than ${target.path} offers: shortfall ${shortfall} bytes`,
    {
      detail: { shortfallBytes: shortfall, targetBytes: target.sizeBytes, requiredBytes: target.sizeBytes + shortfall },
    },
  );
}

/** total split in proportion to weights, floor or ceil per share (BigInt: bytes × bytes overflows a double's precision). */
function share(total: number, weights: ReadonlyMap<number, number>, roundUp: boolean): Map<number, number> {
  const sum = BigInt([...weights.values()].reduce((a, b) => a + b, 0));
  const out = new Map<number, number>();
  for (const [number, weight] of weights) {
    const product = BigInt(total) * BigInt(weight);
    const part = product / sum + (roundUp && product % sum !== 0n ? 1n : 0n);
    out.set(number, Number(part));
  }
  return out;
}

function lastEnd(placements: Placements): number {
  return [...placements.values()].reduce((end, p) => Math.max(end, endOf(p)), 0);
}

/** Lays the source out again with each partition's size changed by change[number] (bytes, signed). */
function layout(src: Source, change: ReadonlyMap<number, number>): Map<number, Placement> {
  const out = new Map<number, Placement>();
  let prevSourceEnd = 0;
  let prevEnd = 0;
  for (const p of src.top) {
    const start = shiftedStart(p, prevEnd, prevSourceEnd);
    const placed = isContainer(src.label, p)
      ? placeContainer(src, p, start, change, out)
      : resized(p, start, change.get(p.number) ?? 0);
    out.set(p.number, placed);
    prevSourceEnd = p.startBytes + p.sizeBytes;
    prevEnd = endOf(placed);
  }
  return out;
}

function placeContainer(
  src: Source,
  container: ManifestPartition,
  start: number,
  change: ReadonlyMap<number, number>,
  out: Map<number, Placement>,
): Placement {
  let prevSourceEnd = container.startBytes;
  let prevEnd = start;
  for (const p of src.logicals) {
    const placed = resized(p, shiftedStart(p, prevEnd, prevSourceEnd), change.get(p.number) ?? 0);
    out.set(p.number, placed);
    prevSourceEnd = p.startBytes + p.sizeBytes;
    prevEnd = endOf(placed);
  }
  return { start, size: src.logicals.length > 0 ? prevEnd - start : container.sizeBytes, resize: 'none' };
}

/** Keeps the source gap to the previous partition; a 1 MiB-aligned source start stays aligned. */
function shiftedStart(p: ManifestPartition, prevEnd: number, prevSourceEnd: number): number {
  const start = prevEnd + (p.startBytes - prevSourceEnd);
  return p.startBytes % MiB === 0 ? alignUp(start, MiB) : start;
}

function resized(p: ManifestPartition, start: number, delta: number): Placement {
  const sourceEnd = start + p.sizeBytes;
  const keep: Placement = { start, size: p.sizeBytes, resize: 'none' };
  if (delta > 0) {
    const end = alignDown(sourceEnd + delta, MiB);
    return end > sourceEnd ? { start, size: end - start, resize: 'grow' } : keep;
  }
  if (delta < 0) {
    const end = Math.max(alignDown(sourceEnd + delta, MiB), start + alignUp(p.minBytes, MiB));
    return end < sourceEnd ? { start, size: end - start, resize: 'shrink' } : keep;
  }
  return keep;
}

function checkPlacements(
  disk: ManifestDisk,
  target: TargetDisk,
  geo: Geometry,
  src: Source,
  placements: Placements,
): BrumeError | undefined {
  const lss = target.logicalSectorSize;
  for (const p of src.all) {
    const at = placements.get(p.number);
    const reason = !at
      ? 'was not placed'
      : at.start % lss !== 0 || at.size % lss !== 0
        ? `would start at byte ${at.start} with ${at.size} bytes, not a multiple of ${target.path}'s ${lss}-byte sectors`
        : at.start < geo.firstUsable || endOf(at) > geo.hardEnd
          ? `would lie outside the usable bytes [${geo.firstUsable}, ${geo.hardEnd}) of ${target.path}`
          : undefined;
    if (reason === undefined) continue;
    const code = lss === disk.logicalSectorSize ? 'INTERNAL' : 'SECTOR_SIZE_MISMATCH';
    return new BrumeError(code, `partition ${p.number} ${reason}`, {
      detail: { partition: p.number, sourceSectorSize: disk.logicalSectorSize, targetSectorSize: lss },
    });
  }
  return undefined;
}

function buildPlan(disk: ManifestDisk, target: TargetDisk, geo: Geometry, src: Source, outcome: Outcome): LayoutPlan {
  const byNumber = [...src.all].sort((a, b) => a.number - b.number);
  const partitions = byNumber.map((p) =>
    planned(
      src.label,
      p,
      outcome.placements.get(p.number) ?? { start: p.startBytes, size: p.sizeBytes, resize: 'none' },
    ),
  );
  const stagingBytes = byNumber
    .filter((p) => outcome.placements.get(p.number)?.resize === 'shrink')
    .reduce((sum, p) => sum + p.usedBytes, 0);
  const notes = [...outcome.notes, ...sectorNotes(disk, target), ...partitions.flatMap(changeNotes)];
  if (stagingBytes > 0) notes.push(`shrinking needs ${formatBytes(stagingBytes)} of staging space`);
  return {
    label: disk.label,
    id: disk.id,
    diskSizeBytes: target.sizeBytes,
    logicalSectorSize: target.logicalSectorSize,
    firstUsableBytes: geo.firstUsable,
    identical: outcome.identical,
    partitions,
    bootArea: bootArea(disk, target, geo, partitions),
    stagingBytes,
    notes,
  };
}

function planned(label: PartitionLabel, p: ManifestPartition, at: Placement): PlannedPartition {
  const action =
    isContainer(label, p) || p.fs === 'extended' ? 'container' : p.fs === 'swap' ? 'recreate-swap' : 'restore';
  return {
    number: p.number,
    startBytes: at.start,
    sizeBytes: at.size,
    sourceStartBytes: p.startBytes,
    sourceSizeBytes: p.sizeBytes,
    type: p.type,
    ...(p.partUuid === undefined ? {} : { partUuid: p.partUuid }),
    ...(p.name === undefined ? {} : { name: p.name }),
    ...(p.attrs === undefined ? {} : { attrs: p.attrs }),
    ...(p.bootable === undefined ? {} : { bootable: p.bootable }),
    fs: p.fs,
    action,
    resize: at.resize,
  };
}

function sectorNotes(disk: ManifestDisk, target: TargetDisk): string[] {
  const from = disk.logicalSectorSize;
  const to = target.logicalSectorSize;
  return from === to ? [] : [`sectors ${from}→${to} bytes: table converted to the target's sector size`];
}

function changeNotes(p: PlannedPartition): string[] {
  const who = `p${p.number} ${p.fs}`;
  const notes: string[] = [];
  if (p.resize !== 'none')
    notes.push(`${who} ${p.resize}s ${formatBytes(p.sourceSizeBytes)} → ${formatBytes(p.sizeBytes)}`);
  if (p.startBytes !== p.sourceStartBytes)
    notes.push(`${who} moves from ${formatBytes(p.sourceStartBytes)} to ${formatBytes(p.startBytes)}`);
  return notes;
}

/** The parts of the image's boot area copied back after sfdisk wrote the table, never past the first partition. */
function bootArea(
  disk: ManifestDisk,
  target: TargetDisk,
  _geo: Geometry,
  partitions: readonly PlannedPartition[],
): BootAreaRange[] {
  const limit = partitions.reduce((min, p) => Math.min(min, p.startBytes), disk.bootArea.bytes);
  // GPT: bootloaders may use the gap after the primary entries (header LBA 1, then 128 entries of 128 bytes),
  // whatever first-lba says (sfdisk puts it at 1 MiB, where the gap would look empty).
  const gptTableEnd = (lss: number): number => 2 * lss + GPT_ENTRIES_BYTES;
  const tail =
    disk.label === 'gpt'
      ? Math.max(gptTableEnd(disk.logicalSectorSize), gptTableEnd(target.logicalSectorSize))
      : Math.max(512, target.logicalSectorSize);
  const ranges: Array<[number, number]> = [
    [0, BOOT_CODE_BYTES],
    [tail, disk.bootArea.bytes],
  ];
  return ranges.map(([from, to]) => ({ offset: from, bytes: Math.min(to, limit) - from })).filter((r) => r.bytes > 0);
}
