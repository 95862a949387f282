import type { DatabaseSync } from 'node:sqlite';
import { sqliteGroups, type GroupRepository } from './groups.ts';
import { sqliteHosts, type HostRepository } from './hosts.ts';
import { sqliteImages, type ImageRepository } from './images.ts';
import { sqliteMulticast, type MulticastRepository } from './multicast.ts';
import { sqliteInventories, type InventoryRepository } from './inventories.ts';
import { openSqlite } from './sqlite.ts';
import { sqliteSchedules, type ScheduleRepository } from './schedules.ts';
import { sqliteStats, type StatsRepository } from './stats.ts';
import { sqliteTaskLogs, type TaskLogRepository } from './task-logs.ts';
import { sqliteTechnicians, type TechnicianRepository } from './technicians.ts';
import { sqliteTasks, type TaskRepository } from './tasks.ts';
import { sqliteUploads, type UploadRepository } from './uploads.ts';

/**
 * Everything the server keeps in its database, behind asynchronous interfaces: routes and domain code never see SQL,
 * so another engine (PostgreSQL) can implement these without touching them.
 */
export interface Database {
  hosts: HostRepository;
  groups: GroupRepository;
  inventories: InventoryRepository;
  tasks: TaskRepository;
  taskLogs: TaskLogRepository;
  images: ImageRepository;
  uploads: UploadRepository;
  technicians: TechnicianRepository;
  multicast: MulticastRepository;
  /** Aggregate counts for /metrics. */
  stats: StatsRepository;
  schedules: ScheduleRepository;
  close(): Promise<void>;
}

export function sqliteDatabase(path: string): Database {
  const db: DatabaseSync = openSqlite(path);
  return {
    hosts: sqliteHosts(db),
    groups: sqliteGroups(db),
    inventories: sqliteInventories(db),
    tasks: sqliteTasks(db),
    taskLogs: sqliteTaskLogs(db),
    images: sqliteImages(db),
    uploads: sqliteUploads(db),
    technicians: sqliteTechnicians(db),
    multicast: sqliteMulticast(db),
    stats: sqliteStats(db),
    schedules: sqliteSchedules(db),
    close: async () => {
      if (db.isOpen) db.close();
    },
  };
}
