import { describe, expect, it } from 'vitest';
import { sampleInventory } from '../../test/fixtures/sample-inventory.ts';
import { inventoryBlock, inventoryChanges, inventoryHistory } from './inventory-text.ts';

const base = sampleInventory();
const disk = base.disks[0]!;

describe('inventory text', () => {
  it('names what changed between two inventories: memory, a swapped disk, SMART, a new NIC', () => {
    const newer = sampleInventory({
      memoryBytes: 32 * 1024 ** 3,
      disks: [{ ...disk, serial: 'SN0002' }],
      nics: [
        ...base.nics,
        { name: 'eno2', mac: '52:54:00:12:34:57', driver: 'igb', speedMbps: null, link: false, ipv4: [] },
      ],
    });
    expect(inventoryChanges(base, newer)).toEqual([
      'memory 16.0 GiB → 32.0 GiB',
      'disk gone: nvme0n1 476.9 GiB PC801 NVMe SK hynix 512GB (SN0001)',
      'disk new: nvme0n1 476.9 GiB PC801 NVMe SK hynix 512GB (SN0002)',
      'network card new: 52:54:00:12:34:57 (eno2)',
    ]);
    expect(inventoryChanges(base, sampleInventory({ disks: [{ ...disk, smartHealth: 'failed' }] }))).toEqual([
      'disk nvme0n1 SMART passed → failed',
    ]);
    expect(inventoryChanges(base, sampleInventory())).toEqual([]);
  });

  it('prints the newest inventory and the history, newest first', () => {
    const records = [
      {
        receivedAt: '2026-11-24T08:00:00.000Z',
        source: 'inventory' as const,
        inventory: sampleInventory({ memoryBytes: 8 * 1024 ** 3 }),
      },
      { receivedAt: '2026-11-23T08:00:00.000Z', source: 'register' as const, inventory: base },
    ];
    const block = inventoryBlock(records[0]!);
    expect(block).toMatch(/system: +Dell Inc\. OptiPlex 7010, serial ABC1234/);
    expect(block).toMatch(/firmware: +UEFI, Secure Boot on/);
    expect(block).toMatch(/nvme0n1 +476.9 GiB +nvme/);
    expect(block).toMatch(/eno1 +52:54:00:12:34:56 +1000 Mb\/s/);
    const history = inventoryHistory(records).split('\n');
    expect(history[1]).toMatch(/inventory +memory 16\.0 GiB → 8\.0 GiB$/);
    expect(history[2]).toMatch(/register +first inventory$/);
  });
});
