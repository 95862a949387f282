import type { DatabaseSync } from 'node:sqlite';
import { Inventory, type InventoryRecord } from '@brume/protocol';

export interface InventoryRepository {
  add(hostId: number, record: InventoryRecord): Promise<void>;
  /** Newest first. */
  list(hostId: number): Promise<InventoryRecord[]>;
}

interface InventoryRow {
  received_at: string;
  source: InventoryRecord['source'];
  inventory: string;
}

export function sqliteInventories(db: DatabaseSync): InventoryRepository {
  const insert = db.prepare(
    'INSERT INTO host_inventories (host_id, received_at, source, inventory) VALUES (?, ?, ?, ?)',
  );
  const list = db.prepare(
    'SELECT received_at, source, inventory FROM host_inventories WHERE host_id = ? ORDER BY id DESC',
  );
  return {
    add: async (hostId, record) => {
      insert.run(hostId, record.receivedAt, record.source, JSON.stringify(record.inventory));
    },
    // Parsed on the way out as well: a row is only ever what the schema accepted, and stays readable if it grows.
    list: async (hostId) =>
      (list.all(hostId) as unknown as InventoryRow[]).map((row) => ({
        receivedAt: row.received_at,
        source: row.source,
        inventory: Inventory.parse(JSON.parse(row.inventory)),
      })),
  };
}
