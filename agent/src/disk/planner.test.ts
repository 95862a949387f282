import { describe, it, expect } from 'vitest';
import { BrumeError, partitionFileName } from '@brume/protocol';
import type {
  FsType,
  LayoutPlan,
  ManifestDisk,
  ManifestPartition,
  PlannedPartition,
  TargetDisk,
} from '@brume/protocol';
import { planLayout } from './planner.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const SHA = '0'.repeat(64);
const ESP = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const BASIC_DATA = 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7';
const MSR = 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE';
const RECOVERY = 'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC';

const alignDown = (n: number, a: number): number => n - (n % a);
const alignUp = (n: number, a: number): number => alignDown(n + a - 1, a);

function disk(label: 'gpt' | 'dos', sizeBytes: number, extra: Partial<ManifestDisk> = {}): ManifestDisk {
  const lss = extra.logicalSectorSize ?? 512;
  return {
    index: 1,
    sizeBytes,
    logicalSectorSize: lss,
    physicalSectorSize: 4096,
    label,
    id: label === 'gpt' ? '5B1A4C3E-2F0D-4E8B-9A71-3C2D1E0F9A8B' : '0x1234abcd',
    firstUsableBytes: label === 'gpt' ? 34 * 512 : lss,
    bootArea: { file: 'd1.boot', bytes: MiB, sha256: SHA },
    sfdiskFile: 'd1.sfdisk',
    table: {},
    ...extra,
  };
}

interface PartOptions {
  readonly resizable?: boolean;
  readonly minBytes?: number;
  readonly usedBytes?: number;
  readonly type?: string;
  readonly bootable?: boolean;
}

function part(
  number: number,
  startBytes: number,
  sizeBytes: number,
  fs: FsType,
  o: PartOptions = {},
): ManifestPartition {
  const hasFile = fs !== 'extended' && fs !== 'swap';
  return {
    disk: 1,
    number,
    startBytes,
    sizeBytes,
    type: o.type ?? LINUX,
    partUuid: `00000000-0000-4000-8000-00000000000${number}`,
    ...(o.bootable === undefined ? {} : { bootable: o.bootable }),
    fs,
    usedBytes: o.usedBytes ?? Math.floor(sizeBytes / 2),
    minBytes: o.minBytes ?? sizeBytes,
    resizable: o.resizable ?? false,
    tool: hasFile ? `partclone.${fs}` : fs === 'swap' ? 'mkswap' : null,
    file: hasFile ? partitionFileName(1, number) : null,
    rawBytes: hasFile ? sizeBytes : 0,
    storedBytes: 0,
    sha256: hasFile ? SHA : null,
    chunks: [],
  };
}

const target = (sizeBytes: number, logicalSectorSize = 512): TargetDisk => ({
  path: '/dev/sdb',
  sizeBytes,
  logicalSectorSize,
  physicalSectorSize: 4096,
});

/** The planner's usable end, computed independently. */
function usableEnd(label: 'gpt' | 'dos', t: TargetDisk): number {
  return alignDown(label === 'gpt' ? t.sizeBytes - 16384 - 2 * t.logicalSectorSize : t.sizeBytes, MiB);
}
const sourceEnd = (parts: readonly ManifestPartition[]): number =>
  parts.filter((p) => p.fs !== 'extended').reduce((end, p) => Math.max(end, p.startBytes + p.sizeBytes), 0);
const endOf = (p: PlannedPartition): number => p.startBytes + p.sizeBytes;

function expectValid(plan: LayoutPlan, t: TargetDisk): void {
  const lss = plan.logicalSectorSize;
  const end = usableEnd(plan.label, t);
  for (const p of plan.partitions) {
    expect(p.startBytes % lss, `p${p.number} start`).toBe(0);
    expect(p.sizeBytes % lss, `p${p.number} size`).toBe(0);
    expect(p.startBytes, `p${p.number} start`).toBeGreaterThanOrEqual(plan.firstUsableBytes);
    expect(endOf(p), `p${p.number} end`).toBeLessThanOrEqual(end);
    if (p.resize !== 'none') expect(endOf(p) % MiB, `p${p.number} end aligned`).toBe(0);
  }
  const logical = (p: PlannedPartition): boolean => plan.label === 'dos' && p.number >= 5;
  expectDisjoint(plan.partitions.filter((p) => !logical(p)));
  const logicals = plan.partitions.filter(logical);
  expectDisjoint(logicals);
  const container = plan.partitions.find((p) => p.action === 'container');
  for (const l of logicals) {
    expect(container).toBeDefined();
    if (!container) return;
    expect(l.startBytes).toBeGreaterThan(container.startBytes);
    expect(endOf(l)).toBeLessThanOrEqual(endOf(container));
  }
}

function expectDisjoint(parts: readonly PlannedPartition[]): void {
  const sorted = [...parts].sort((a, b) => a.startBytes - b.startBytes);
  sorted.forEach((p, i) => {
    const prev = sorted[i - 1];
    if (prev) expect(p.startBytes, `p${p.number} after p${prev.number}`).toBeGreaterThanOrEqual(endOf(prev));
  });
}

function ok(result: LayoutPlan | BrumeError, t: TargetDisk): LayoutPlan {
  if (result instanceof BrumeError) throw new Error(`unexpected ${result.code}: ${result.message}`);
  expectValid(result, t);
  return result;
}

const byNumber = (plan: LayoutPlan, n: number): PlannedPartition => {
  const p = plan.partitions.find((q) => q.number === n);
  if (!p) throw new Error(`no p${n}`);
  return p;
};

// GPT: ESP + ext4 + NTFS + raw, on a 10 GiB disk; the table ends at 8293 MiB.
const mixedDisk = disk('gpt', 10 * GiB);
const mixed: ManifestPartition[] = [
  part(1, MiB, 100 * MiB, 'vfat', { type: ESP }),
  part(2, 101 * MiB, 3 * GiB, 'ext4', { resizable: true, minBytes: GiB, usedBytes: 800 * MiB }),
  part(3, 3173 * MiB, 4 * GiB, 'ntfs', {
    resizable: true,
    minBytes: 2 * GiB - 12345,
    usedBytes: 1536 * MiB,
    type: BASIC_DATA,
  }),
  part(4, 7269 * MiB, GiB, 'raw'),
];

// MBR: NTFS p1 + ext4 p2 + extended p3 holding ext4 p5 and swap p6, each logical 1 MiB after the previous end (its EBR).
const mbrDisk = disk('dos', 8 * GiB);
const mbr: ManifestPartition[] = [
  part(1, MiB, 2 * GiB, 'ntfs', { resizable: true, minBytes: GiB, usedBytes: 700 * MiB, type: '7', bootable: true }),
  part(2, 2049 * MiB, 2 * GiB, 'ext4', { resizable: true, minBytes: 512 * MiB, usedBytes: 300 * MiB, type: '83' }),
  part(3, 4097 * MiB, 3074 * MiB, 'extended', { type: '5' }),
  part(5, 4098 * MiB, 2 * GiB, 'ext4', { resizable: true, minBytes: GiB, usedBytes: 900 * MiB, type: '83' }),
  part(6, 6147 * MiB, GiB, 'swap', { resizable: false, type: '82' }),
];

// Windows: ESP, MSR, C: (resizable), Recovery (not resizable), on a 60 GiB disk.
const winDisk = disk('gpt', 60 * GiB);
const windows: ManifestPartition[] = [
  part(1, MiB, 100 * MiB, 'vfat', { type: ESP }),
  part(2, 101 * MiB, 16 * MiB, 'raw', { type: MSR }),
  part(3, 117 * MiB, 58 * GiB, 'ntfs', { resizable: true, minBytes: 20 * GiB, type: BASIC_DATA }),
  part(4, (117 + 58 * 1024) * MiB, 600 * MiB, 'ntfs', { type: RECOVERY }),
];

// 512-byte source sectors, ext4 + swap only.
const linuxDisk = disk('gpt', 8 * GiB);
const linux: ManifestPartition[] = [
  part(1, MiB, 6 * GiB, 'ext4', { resizable: true, minBytes: GiB }),
  part(2, 6145 * MiB, GiB, 'swap'),
];

interface Case {
  readonly name: string;
  readonly disk: ManifestDisk;
  readonly parts: readonly ManifestPartition[];
  readonly target: TargetDisk;
  readonly check: (plan: LayoutPlan, t: TargetDisk) => void;
}

const sameAsSource = (plan: LayoutPlan, parts: readonly ManifestPartition[]): void => {
  for (const src of parts) {
    const p = byNumber(plan, src.number);
    expect([p.startBytes, p.sizeBytes, p.resize]).toEqual([src.startBytes, src.sizeBytes, 'none']);
  }
};

const cases: Case[] = [
  {
    name: 'GPT mixed, same size: identical table',
    disk: mixedDisk,
    parts: mixed,
    target: target(10 * GiB),
    check: (plan) => {
      expect(plan.identical).toBe(true);
      sameAsSource(plan, mixed);
      expect(plan.stagingBytes).toBe(0);
      expect(plan.partitions.map((p) => p.action)).toEqual(['restore', 'restore', 'restore', 'restore']);
      expect(byNumber(plan, 3).type).toBe(BASIC_DATA);
      expect(byNumber(plan, 2).partUuid).toBe(mixed[1]?.partUuid);
    },
  },
  {
    name: 'GPT mixed, 2x larger: ext4 and NTFS grow proportionally, raw shifts',
    disk: mixedDisk,
    parts: mixed,
    target: target(20 * GiB),
    check: (plan, t) => {
      expect(plan.identical).toBe(false);
      const [esp, ext4, ntfs, raw] = [1, 2, 3, 4].map((n) => byNumber(plan, n));
      if (!esp || !ext4 || !ntfs || !raw) throw new Error('missing');
      expect([esp.startBytes, esp.sizeBytes, esp.resize]).toEqual([MiB, 100 * MiB, 'none']);
      expect([ext4.resize, ntfs.resize, raw.resize]).toEqual(['grow', 'grow', 'none']);
      const g2 = ext4.sizeBytes - 3 * GiB;
      const g3 = ntfs.sizeBytes - 4 * GiB;
      expect(Math.abs(g2 * 4 - g3 * 3)).toBeLessThanOrEqual(8 * MiB);
      expect(raw.sizeBytes).toBe(GiB);
      expect(raw.startBytes - endOf(ntfs)).toBe(0);
      expect(endOf(raw)).toBeGreaterThan(usableEnd('gpt', t) - 2 * MiB);
      expect(plan.notes.some((n) => /^p2 ext4 grows 3.0 GiB → /.test(n))).toBe(true);
    },
  },
  {
    name: 'GPT mixed, smaller disk that fits: ext4 and NTFS shrink',
    disk: mixedDisk,
    parts: mixed,
    target: target(7 * GiB),
    check: (plan) => {
      const [esp, ext4, ntfs, raw] = [1, 2, 3, 4].map((n) => byNumber(plan, n));
      if (!esp || !ext4 || !ntfs || !raw) throw new Error('missing');
      expect([esp.resize, ext4.resize, ntfs.resize, raw.resize]).toEqual(['none', 'shrink', 'shrink', 'none']);
      expect(ext4.sizeBytes).toBeGreaterThanOrEqual(GiB);
      expect(ntfs.sizeBytes).toBeGreaterThanOrEqual(2 * GiB);
      expect(raw.sizeBytes).toBe(GiB);
      expect(plan.stagingBytes).toBe(800 * MiB + 1536 * MiB);
    },
  },
  {
    name: 'MBR with logicals, larger disk: p5 grows, container ends at the last logical',
    disk: mbrDisk,
    parts: mbr,
    target: target(16 * GiB),
    check: (plan) => {
      const [p3, p5, p6] = [3, 5, 6].map((n) => byNumber(plan, n));
      if (!p3 || !p5 || !p6) throw new Error('missing');
      expect([p3.action, p3.resize, p5.resize, p6.action, p6.resize]).toEqual([
        'container',
        'none',
        'grow',
        'recreate-swap',
        'none',
      ]);
      expect(p5.startBytes - p3.startBytes).toBe(MiB);
      expect(p6.startBytes - endOf(p5)).toBe(MiB);
      expect(endOf(p3)).toBe(endOf(p6));
      expect(byNumber(plan, 1).bootable).toBe(true);
      expect(byNumber(plan, 1).resize).toBe('grow');
    },
  },
  {
    name: 'MBR with logicals, smaller disk that fits',
    disk: mbrDisk,
    parts: mbr,
    target: target(6 * GiB),
    check: (plan) => {
      const [p3, p5, p6] = [3, 5, 6].map((n) => byNumber(plan, n));
      if (!p3 || !p5 || !p6) throw new Error('missing');
      expect(p5.startBytes - p3.startBytes).toBe(MiB);
      expect(p6.startBytes - endOf(p5)).toBe(MiB);
      expect(endOf(p3)).toBe(endOf(p6));
      expect(p5.sizeBytes).toBeGreaterThanOrEqual(GiB);
      const shrunk = mbr.filter((p) => byNumber(plan, p.number).resize === 'shrink');
      expect(shrunk.length).toBeGreaterThan(0);
      expect(plan.stagingBytes).toBe(shrunk.reduce((sum, p) => sum + p.usedBytes, 0));
    },
  },
  {
    name: '512 → 4096, ext4 and swap: converted, GPT first usable raised',
    disk: linuxDisk,
    parts: linux,
    target: target(16 * GiB, 4096),
    check: (plan) => {
      expect(plan.logicalSectorSize).toBe(4096);
      expect(plan.firstUsableBytes).toBe(6 * 4096);
      expect(plan.notes.some((n) => n.includes('512→4096'))).toBe(true);
      expect(byNumber(plan, 1).resize).toBe('grow');
    },
  },
  {
    name: '4096 → 512 with NTFS and vfat: allowed',
    disk: disk('gpt', 10 * GiB, { logicalSectorSize: 4096, firstUsableBytes: 6 * 4096 }),
    parts: mixed,
    target: target(10 * GiB, 512),
    check: (plan) => {
      expect(plan.logicalSectorSize).toBe(512);
      expect(plan.firstUsableBytes).toBe(6 * 4096);
      expect(plan.identical).toBe(false);
    },
  },
  {
    name: 'Windows, larger disk: only C: grows, Recovery moves to the end',
    disk: winDisk,
    parts: windows,
    target: target(120 * GiB),
    check: (plan, t) => {
      expect(plan.partitions.map((p) => p.resize)).toEqual(['none', 'none', 'grow', 'none']);
      const recovery = byNumber(plan, 4);
      expect(recovery.sizeBytes).toBe(600 * MiB);
      expect(recovery.startBytes).toBe(endOf(byNumber(plan, 3)));
      expect(endOf(recovery)).toBeGreaterThan(usableEnd('gpt', t) - MiB);
      expect(byNumber(plan, 2).startBytes).toBe(101 * MiB);
    },
  },
  {
    name: 'nothing resizable, larger disk: source positions and a note',
    disk: winDisk,
    parts: windows.map((p) => ({ ...p, resizable: false })),
    target: target(120 * GiB),
    check: (plan) => {
      sameAsSource(plan, windows);
      expect(plan.identical).toBe(false);
      expect(plan.notes.some((n) => n.startsWith('no partition is resizable'))).toBe(true);
    },
  },
];

describe('planLayout', () => {
  it.each(cases)('$name', ({ disk: d, parts, target: t, check }) => {
    check(ok(planLayout(d, parts, t), t), t);
  });

  const shrinkRooms = (parts: readonly ManifestPartition[]): number =>
    parts.filter((p) => p.resizable).reduce((sum, p) => sum + Math.max(0, p.sizeBytes - alignUp(p.minBytes, MiB)), 0);

  const refusals = [
    {
      name: 'GPT mixed on a disk too small',
      disk: mixedDisk,
      parts: mixed,
      target: target(4 * GiB),
      code: 'DISK_TOO_SMALL',
      message: /^image needs 102.0 MiB more than \/dev\/sdb offers: shortfall \d+ bytes$/,
    },
    {
      name: 'MBR on a disk too small',
      disk: mbrDisk,
      parts: mbr,
      target: target(3 * GiB),
      code: 'DISK_TOO_SMALL',
      message: /more than \/dev\/sdb offers/,
    },
    {
      name: '512 → 4096 with NTFS',
      disk: linuxDisk,
      parts: [linux[0], part(2, 6145 * MiB, GiB, 'ntfs', { type: BASIC_DATA })].flatMap((p) => (p ? [p] : [])),
      target: target(16 * GiB, 4096),
      code: 'SECTOR_SIZE_MISMATCH',
      message: /^partition 2 \(ntfs\) records its 512-byte sectors/,
    },
    {
      name: '512 → 4096 with a start not on a 4096 boundary',
      disk: disk('dos', 8 * GiB),
      parts: [part(1, 63 * 512, 4 * GiB, 'ext4', { type: '83' })],
      target: target(8 * GiB, 4096),
      code: 'SECTOR_SIZE_MISMATCH',
      message: /^partition 1 would start at byte 32256/,
    },
  ];

  it.each(refusals)('refuses: $name', ({ disk: d, parts, target: t, code, message }) => {
    const result = planLayout(d, parts, t);
    expect(result).toBeInstanceOf(BrumeError);
    if (!(result instanceof BrumeError)) return;
    expect(result.code).toBe(code);
    expect(result.message).toMatch(message);
    if (code === 'DISK_TOO_SMALL') {
      const shortfall = sourceEnd(parts) - usableEnd(d.label, t) - shrinkRooms(parts);
      expect(result.detail).toEqual({
        shortfallBytes: shortfall,
        targetBytes: t.sizeBytes,
        requiredBytes: t.sizeBytes + shortfall,
      });
      expect(result.message).toContain(`shortfall ${shortfall} bytes`);
    }
  });

  const boots = [
    {
      name: 'gpt 512, first-lba 34',
      disk: linuxDisk,
      parts: linux,
      t: target(8 * GiB),
      want: [
        [0, 440],
        [34 * 512, MiB],
      ],
    },
    {
      name: 'gpt 512 → 4096',
      disk: linuxDisk,
      parts: linux,
      t: target(16 * GiB, 4096),
      want: [
        [0, 440],
        [6 * 4096, MiB],
      ],
    },
    {
      name: 'gpt with first-lba at 1 MiB: the gap after the entries still counts',
      disk: disk('gpt', 8 * GiB, { firstUsableBytes: MiB }),
      parts: linux,
      t: target(8 * GiB),
      want: [
        [0, 440],
        [34 * 512, MiB],
      ],
    },
    {
      name: 'dos 512',
      disk: mbrDisk,
      parts: mbr,
      t: target(8 * GiB),
      want: [
        [0, 440],
        [512, MiB],
      ],
    },
    {
      name: 'dos 512 → 4096',
      disk: disk('dos', 8 * GiB),
      parts: [part(1, MiB, 4 * GiB, 'ext4', { type: '83' })],
      t: target(8 * GiB, 4096),
      want: [
        [0, 440],
        [4096, MiB],
      ],
    },
    {
      name: 'gpt boot area longer than the gap: cut at the first partition',
      disk: disk('gpt', 8 * GiB, { bootArea: { file: 'd1.boot', bytes: 2 * MiB, sha256: SHA } }),
      parts: linux,
      t: target(8 * GiB),
      want: [
        [0, 440],
        [34 * 512, MiB],
      ],
    },
    {
      name: 'dos with a partition at sector 63',
      disk: disk('dos', 8 * GiB, { bootArea: { file: 'd1.boot', bytes: 63 * 512, sha256: SHA } }),
      parts: [part(1, 63 * 512, 4 * GiB, 'ext4', { type: '83' })],
      t: target(8 * GiB),
      want: [
        [0, 440],
        [512, 63 * 512],
      ],
    },
  ];

  it.each(boots)('boot area: $name', ({ disk: d, parts, t, want }) => {
    const plan = ok(planLayout(d, parts, t), t);
    expect(plan.bootArea).toEqual(want.map(([from = 0, to = 0]) => ({ offset: from, bytes: to - from })));
  });
});
