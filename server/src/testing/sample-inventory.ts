import type { Inventory } from '@brume/protocol';

/** A plausible PC's inventory for route tests; `overrides` replace whole top-level fields. */
export function sampleInventory(overrides: Partial<Inventory> = {}): Inventory {
  return {
    collectedAt: '2026-11-23T08:00:00.000Z',
    system: { vendor: 'Dell Inc.', model: 'OptiPlex 7010', serial: 'ABC1234', uuid: '4c4c4544-0042-3910-8031-b4c04f4e3132' },
    firmware: { mode: 'uefi', secureBoot: true, vendor: 'Dell Inc.', version: '1.20.0' },
    cpu: { model: 'Intel(R) Core(TM) i5-13500', cores: 14, threads: 20 },
    memoryBytes: 16 * 1024 ** 3,
    disks: [
      { name: 'nvme0n1', model: 'PC801 NVMe SK hynix 512GB', serial: 'SN0001', sizeBytes: 512_110_190_592, bus: 'nvme', logicalSectorBytes: 512, physicalSectorBytes: 512, removable: false, rotational: false, smartHealth: 'passed' },
    ],
    nics: [{ name: 'eno1', mac: '52:54:00:12:34:56', driver: 'e1000e', speedMbps: 1000, link: true, ipv4: ['10.1.2.3/24'] }],
    ...overrides,
  };
}
