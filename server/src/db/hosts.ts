import type { DatabaseSync } from 'node:sqlite';
import { BrumeError } from '@brume/protocol';
import { transaction } from './sqlite.ts';

export interface HostRecord {
  id: number;
  name: string;
  macs: string[];
  diskHint: string | null;
  image: string | null;
  groups: string[];
  createdAt: string;
}
/** A new host joins no group here: groups.ts adds members (a group named at creation must exist first). */
export type NewHost = Omit<HostRecord, 'id' | 'groups'>;

export interface HostRepository {
  /** Throws HOST_EXISTS when the name or one of the MACs belongs to another host. */
  insert(host: NewHost): Promise<HostRecord>;
  byName(name: string): Promise<HostRecord | undefined>;
  byId(id: number): Promise<HostRecord | undefined>;
  /** The host one of whose MACs this is (normalised: lowercase, colons). */
  byMac(mac: string): Promise<HostRecord | undefined>;
  list(): Promise<HostRecord[]>;
  remove(id: number): Promise<void>;
  /** Assigns an image (or none) to a host. */
  assignImage(id: number, image: string | null): Promise<void>;
}

interface HostRow {
  id: number;
  name: string;
  disk_hint: string | null;
  image: string | null;
  created_at: string;
  macs: string;
  groups: string;
}

const selectHost = `SELECT h.id, h.name, h.disk_hint, h.image, h.created_at,
  (SELECT json_group_array(mac) FROM (SELECT mac FROM host_macs WHERE host_id = h.id ORDER BY position)) AS macs,
  (SELECT json_group_array(name) FROM (SELECT g.name FROM group_members m JOIN host_groups g ON g.id = m.group_id
    WHERE m.host_id = h.id ORDER BY g.name)) AS groups
  FROM hosts h`;

function toRecord(row: HostRow): HostRecord {
  return {
    id: row.id,
    name: row.name,
    macs: JSON.parse(row.macs) as string[],
    diskHint: row.disk_hint,
    image: row.image,
    groups: JSON.parse(row.groups) as string[],
    createdAt: row.created_at,
  };
}

export function sqliteHosts(db: DatabaseSync): HostRepository {
  const byName = db.prepare(`${selectHost} WHERE h.name = ?`);
  const byId = db.prepare(`${selectHost} WHERE h.id = ?`);
  const byMac = db.prepare(`${selectHost} WHERE h.id = (SELECT host_id FROM host_macs WHERE mac = ?)`);
  const list = db.prepare(`${selectHost} ORDER BY h.name`);
  const macOwner = db.prepare('SELECT h.name FROM host_macs m JOIN hosts h ON h.id = m.host_id WHERE m.mac = ?');
  const insertHost = db.prepare('INSERT INTO hosts (name, disk_hint, image, created_at) VALUES (?, ?, ?, ?)');
  const assignImage = db.prepare('UPDATE hosts SET image = ? WHERE id = ?');
  const insertMac = db.prepare('INSERT INTO host_macs (mac, host_id, position) VALUES (?, ?, ?)');
  const remove = db.prepare('DELETE FROM hosts WHERE id = ?');

  const insertChecked = (host: NewHost): HostRecord =>
    transaction(db, () => {
      if (byName.get(host.name) !== undefined)
        throw new BrumeError('HOST_EXISTS', `a host named ${host.name} exists already`, {
          detail: { name: host.name },
        });
      for (const mac of host.macs) {
        const owner = macOwner.get(mac) as { name: string } | undefined;
        if (owner !== undefined)
          throw new BrumeError('HOST_EXISTS', `MAC ${mac} belongs to host ${owner.name}`, {
            detail: { mac, host: owner.name },
          });
      }
      const id = Number(insertHost.run(host.name, host.diskHint, host.image, host.createdAt).lastInsertRowid);
      host.macs.forEach((mac, position) => insertMac.run(mac, id, position));
      return { id, ...host, groups: [] };
    });

  return {
    insert: async (host) => insertChecked(host),
    byName: async (name) => {
      const row = byName.get(name) as HostRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },
    byId: async (id) => {
      const row = byId.get(id) as HostRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },
    byMac: async (mac) => {
      const row = byMac.get(mac) as HostRow | undefined;
      return row === undefined ? undefined : toRecord(row);
    },
    list: async () => (list.all() as unknown as HostRow[]).map(toRecord),
    remove: async (id) => {
      remove.run(id);
    },
    assignImage: async (id, image) => {
      assignImage.run(image, id);
    },
  };
}
