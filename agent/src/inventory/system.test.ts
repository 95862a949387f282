import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inventorySources } from './deps.ts';
import { fakeRunner, fixtureTree, type FakeAnswer, type FixtureTree } from '../../../test/fixtures/inventory-tree.ts';
import { readFirmwareMode } from './firmware.ts';
import { readSmbios, smbiosText, smbiosUuid } from './system.ts';

let tree: FixtureTree;
beforeEach(() => {
  tree = fixtureTree();
});
afterEach(() => tree.remove());

function dmi(values: Record<string, string>): void {
  for (const [file, value] of Object.entries(values)) tree.file(`sys/devices/virtual/dmi/id/${file}`, `${value}\n`);
  tree.link('sys/class/dmi/id', 'sys/devices/virtual/dmi/id');
}

async function smbios(
  answers: Record<string, FakeAnswer> = {},
): Promise<{ result: Awaited<ReturnType<typeof readSmbios>>; warnings: string[]; calls: string[] }> {
  const warnings: string[] = [];
  const run = fakeRunner(answers);
  const result = await readSmbios(inventorySources({ run, sysRoot: tree.sys }), (message) => warnings.push(message));
  return { result, warnings, calls: run.calls };
}

const DMIDECODE_QEMU = `# dmidecode 3.4
Getting SMBIOS data from sysfs.
SMBIOS 2.8 present.

Handle 0x0000, DMI type 0, 24 bytes
BIOS Information
\tVendor: SeaBIOS
\tVersion: 1.16.2-debian-1.16.2-1
\tRelease Date: 04/01/2014
\tCharacteristics:
\t\tBIOS characteristics not supported

Handle 0x0100, DMI type 1, 27 bytes
System Information
\tManufacturer: QEMU
\tProduct Name: Standard PC (i440FX + PIIX, 1996)
\tVersion: pc-i440fx-8.0
\tSerial Number: Not Specified
\tUUID: 5C4E8B1A-2F3D-4E5F-8A9B-0C1D2E3F4A5B
\tWake-up Type: Power Switch
`;

describe('system identity (SMBIOS)', () => {
  it('reads /sys/class/dmi/id without running dmidecode', async () => {
    dmi({
      sys_vendor: 'LENOVO',
      product_name: '10MQS0B600',
      product_serial: 'PC0ABCDE',
      product_uuid: '8f3c1a2e-5b6d-11e9-8647-d663bd873d93',
      bios_vendor: 'LENOVO',
      bios_version: 'M1UKT4BA',
    });
    const { result, warnings, calls } = await smbios();
    expect(result).toEqual({
      system: {
        vendor: 'LENOVO',
        model: '10MQS0B600',
        serial: 'PC0ABCDE',
        uuid: '8f3c1a2e-5b6d-11e9-8647-d663bd873d93',
      },
      biosVendor: 'LENOVO',
      biosVersion: 'M1UKT4BA',
    });
    expect(warnings).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('turns placeholders into null: the all-zero, all-ones and AMI default UUIDs, "To Be Filled By O.E.M."', async () => {
    dmi({
      sys_vendor: 'To Be Filled By O.E.M.',
      product_name: 'Default string',
      product_serial: 'System Serial Number',
      product_uuid: '00000000-0000-0000-0000-000000000000',
      bios_vendor: 'American Megatrends Inc.',
      bios_version: 'P1.20',
    });
    const { result } = await smbios();
    expect(result.system).toEqual({ vendor: null, model: null, serial: null, uuid: null });
    expect(result.biosVendor).toBe('American Megatrends Inc.');
    expect(smbiosUuid('FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF')).toBeNull();
    expect(smbiosUuid('03000200-0400-0500-0006-000700080009')).toBeNull();
    expect(smbiosUuid('Not Settable')).toBeNull();
    expect(smbiosUuid('5C4E8B1A-2F3D-4E5F-8A9B-0C1D2E3F4A5B')).toBe('5c4e8b1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b');
    expect(smbiosText('  HP \u0001 EliteDesk   800  ')).toBe('HP EliteDesk 800');
    expect(smbiosText('x'.repeat(300))).toHaveLength(256);
  });

  it('asks dmidecode for what sysfs lacks (no DMI sysfs, or serial and UUID unreadable)', async () => {
    dmi({
      sys_vendor: 'QEMU',
      product_name: 'Standard PC (i440FX + PIIX, 1996)',
      bios_vendor: 'SeaBIOS',
      bios_version: '1.16.2-debian-1.16.2-1',
    });
    const { result, calls } = await smbios({ dmidecode: { stdout: DMIDECODE_QEMU } });
    expect(calls).toEqual(['dmidecode -t 0 -t 1']);
    expect(result.system).toEqual({
      vendor: 'QEMU',
      model: 'Standard PC (i440FX + PIIX, 1996)',
      serial: null,
      uuid: '5c4e8b1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
    });
  });

  it('with neither: all null and a warning', async () => {
    const { result, warnings } = await smbios();
    expect(result).toEqual({
      system: { vendor: null, model: null, serial: null, uuid: null },
      biosVendor: null,
      biosVersion: null,
    });
    expect(warnings).toEqual([
      expect.stringMatching(/^system and BIOS identity \(SMBIOS\): no .*class\/dmi\/id, and dmidecode .*ENOENT/),
    ]);
  });
});

describe('firmware mode and Secure Boot', () => {
  const SECURE_BOOT = 'sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';
  const read = (): { mode: ReturnType<typeof readFirmwareMode>; warnings: string[] } => {
    const warnings: string[] = [];
    return { mode: readFirmwareMode(tree.sys, (message) => warnings.push(message)), warnings };
  };

  it('BIOS without /sys/firmware/efi: Secure Boot null', () => {
    tree.dir('sys/firmware/acpi');
    expect(read()).toEqual({ mode: { mode: 'bios', secureBoot: null }, warnings: [] });
  });

  it.each([
    [1, true],
    [0, false],
  ])('UEFI with SecureBoot = %i: %s', (value, on) => {
    tree.file(SECURE_BOOT, Buffer.from([0x06, 0x00, 0x00, 0x00, value]));
    expect(read()).toEqual({ mode: { mode: 'uefi', secureBoot: on }, warnings: [] });
  });

  it('UEFI without efivarfs mounted: null and a warning', () => {
    tree.dir('sys/firmware/efi/efivars');
    const { mode, warnings } = read();
    expect(mode).toEqual({ mode: 'uefi', secureBoot: null });
    expect(warnings[0]).toMatch(/efivarfs not mounted/);
  });

  it('UEFI firmware without the variable (no Secure Boot support): off', () => {
    tree.file(
      'sys/firmware/efi/efivars/BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c',
      Buffer.from([7, 0, 0, 0, 1, 0]),
    );
    expect(read().mode).toEqual({ mode: 'uefi', secureBoot: false });
  });
});
