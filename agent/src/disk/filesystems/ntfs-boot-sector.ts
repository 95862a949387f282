/**
 * Pure NTFS boot-sector arithmetic. partclone.ntfs copies the volume's clusters, not the backup boot sector that sits
 * just past the volume's last sector, and keeps the source's "hidden sectors" (the partition start, which Windows'
 * boot code uses on BIOS machines). After a restore both are put right, as Clonezilla does with its ntfsreloc step.
 * The backup lives in the partition's last sector (ntfs-3g and Windows look there), whatever the volume's size.
 */
export interface NtfsBootFix {
  bootSector: Uint8Array;
  backupOffset: number;
}

export function fixNtfsBootSector(
  sector: Uint8Array,
  partitionStartBytes: number,
  partitionSizeBytes: number,
): NtfsBootFix | undefined {
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  if (sector.byteLength < 512 || new TextDecoder().decode(sector.subarray(3, 11)) !== 'NTFS    ') return undefined;
  const bytesPerSector = view.getUint16(0x0b, true);
  if (bytesPerSector === 0 || bytesPerSector > sector.byteLength) return undefined;
  const totalSectors = Number(view.getBigUint64(0x28, true));
  const backupOffset = partitionSizeBytes - bytesPerSector;
  if (totalSectors * bytesPerSector > backupOffset) return undefined;
  const bootSector = sector.slice(0, bytesPerSector);
  new DataView(bootSector.buffer).setUint32(0x1c, Math.floor(partitionStartBytes / bytesPerSector), true);
  return { bootSector, backupOffset };
}
