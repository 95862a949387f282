/** One SMBIOS structure as dmidecode prints it: its type and its `Key: Value` lines (list-valued keys are dropped). */
export interface DmiRecord {
  type: number;
  fields: Map<string, string>;
}

/**
 * Parses dmidecode's text output (`dmidecode -t N`). The text, not `--dump-bin`: dmidecode already decodes sizes and
 * UUIDs per SMBIOS version (the byte order of the UUID changed in 2.6, "Size" moved to "Extended Size" in 2.7).
 */
export function parseDmidecode(text: string): DmiRecord[] {
  const records: DmiRecord[] = [];
  let current: DmiRecord | undefined;
  for (const line of text.split('\n')) {
    const header = /^Handle 0x[0-9A-Fa-f]+, DMI type (\d+),/.exec(line);
    if (header !== null) {
      current = { type: Number(header[1]), fields: new Map() };
      records.push(current);
      continue;
    }
    // A field is one tab deep; two tabs are the items of a list field (Characteristics:), which nothing here reads.
    const field = /^\t([^\t:][^:]*):\s*(.*)$/.exec(line);
    if (current !== undefined && field !== null) current.fields.set(field[1] as string, (field[2] as string).trim());
  }
  return records;
}
