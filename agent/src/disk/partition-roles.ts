import type { PartitionLabel } from '@brume/protocol';

/**
 * Partition types whose size is part of their role: an ESP, Microsoft's reserved partition, the Windows recovery
 * partition, a BIOS boot partition. They never receive the extra space of a larger disk (a Windows disk grows C:).
 */
const fixedGptTypes = new Set([
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', // EFI System
  'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', // Microsoft reserved
  'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC', // Windows recovery environment
  '21686148-6449-6E6F-744E-656564454649', // BIOS boot
]);
const fixedDosTypes = new Set(['ef', '27', '12', 'de']); // EFI, hidden NTFS recovery, vendor diagnostics

export function hasFixedRole(label: PartitionLabel, type: string): boolean {
  return label === 'gpt'
    ? fixedGptTypes.has(type.toUpperCase())
    : fixedDosTypes.has(type.toLowerCase().replace(/^0x/, ''));
}
