import type { DatabaseSync } from 'node:sqlite';
import { transaction } from './sqlite.ts';

export interface GroupRecord {
  id: number;
  name: string;
  /** Member host names, sorted. */
  hosts: string[];
  createdAt: string;
}

export interface GroupRepository {
  byName(name: string): Promise<GroupRecord | undefined>;
  list(): Promise<GroupRecord[]>;
  /** Creates the group when it does not exist, then adds the hosts (by id); one transaction. */
  addMembers(name: string, hostIds: readonly number[], createdAt: string): Promise<GroupRecord>;
  removeMembers(groupId: number, hostIds: readonly number[]): Promise<void>;
  remove(groupId: number): Promise<void>;
}

interface GroupRow {
  id: number;
  name: string;
  created_at: string;
  hosts: string;
}

const selectGroup = `SELECT g.id, g.name, g.created_at,
  (SELECT json_group_array(name) FROM (SELECT h.name FROM group_members m JOIN hosts h ON h.id = m.host_id
    WHERE m.group_id = g.id ORDER BY h.name)) AS hosts
  FROM host_groups g`;

const toRecord = (row: GroupRow): GroupRecord => ({
  id: row.id,
  name: row.name,
  hosts: JSON.parse(row.hosts) as string[],
  createdAt: row.created_at,
});

export function sqliteGroups(db: DatabaseSync): GroupRepository {
  const byName = db.prepare(`${selectGroup} WHERE g.name = ?`);
  const list = db.prepare(`${selectGroup} ORDER BY g.name`);
  const insertGroup = db.prepare(
    'INSERT INTO host_groups (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  );
  const groupId = db.prepare('SELECT id FROM host_groups WHERE name = ?');
  const addMember = db.prepare('INSERT INTO group_members (group_id, host_id) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const removeMember = db.prepare('DELETE FROM group_members WHERE group_id = ? AND host_id = ?');
  const remove = db.prepare('DELETE FROM host_groups WHERE id = ?');
  const record = (row: unknown): GroupRecord | undefined => (row === undefined ? undefined : toRecord(row as GroupRow));

  return {
    byName: async (name) => record(byName.get(name)),
    list: async () => list.all().map((row) => toRecord(row as unknown as GroupRow)),
    addMembers: async (name, hostIds, createdAt) =>
      transaction(db, () => {
        insertGroup.run(name, createdAt);
        const { id } = groupId.get(name) as { id: number };
        for (const hostId of hostIds) addMember.run(id, hostId);
        return record(byName.get(name)) as GroupRecord;
      }),
    removeMembers: async (id, hostIds) =>
      transaction(db, () => {
        for (const hostId of hostIds) removeMember.run(id, hostId);
      }),
    remove: async (id) => {
      remove.run(id);
    },
  };
}
