import { statfs } from 'node:fs/promises';
import { MulticastState, TaskKind, TaskState } from '@brume/protocol';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';

/** How recently a running task's agent must have posted to count as an active agent. */
export const ACTIVE_AGENT_WINDOW_SECONDS = 5 * 60;

/** What the server counts in its own process (since it started): Prometheus counters, read by rate(). */
export interface ServerMeters {
  /** Bytes of image files sent to agents over HTTP (deploys, multicast repairs). */
  imageBytesServed(bytes: number): void;
  /** Bytes of capture chunks received from agents. */
  uploadBytesReceived(bytes: number): void;
  tasksPruned(count: number): void;
  agentsSilenced(count: number): void;
}

export interface ServerMetrics {
  registry: Registry;
  meters: ServerMeters;
}

export interface MetricsDeps {
  db: Database;
  dataDir: string;
  version: string;
  now: () => string;
  /** Node's process metrics (CPU, memory, event loop): they hold process-wide monitors, so only the real server has them. */
  processMetrics: boolean;
}

/**
 * The registry /metrics answers from. Counts held in the database (tasks, images, sessions, active agents) are read
 * by collect callbacks at scrape time, so they are never stale and cost nothing between scrapes; bytes moved are
 * counters kept by this process. One registry per server: nothing here is module-level state.
 */
export function serverMetrics(deps: MetricsDeps): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const { db } = deps;
  if (deps.processMetrics) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'brume_server_info',
    help: 'The Brume server running (value 1), its version as a label.',
    labelNames: ['version'],
    registers,
  }).set({ version: deps.version }, 1);
  new Gauge({
    name: 'brume_tasks',
    help: 'Tasks held by the server (ended ones until retention deletes them), by kind and state.',
    labelNames: ['kind', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const kind of TaskKind.options) for (const state of TaskState.options) this.set({ kind, state }, 0);
      for (const row of await db.stats.tasksByKindAndState()) this.set({ kind: row.kind, state: row.state }, row.count);
    },
  });
  new Gauge({
    name: 'brume_agents_active',
    help: `Running tasks whose agent posted in the last ${ACTIVE_AGENT_WINDOW_SECONDS} seconds.`,
    registers,
    async collect() {
      this.set(
        await db.stats.agentsHeardSince(
          new Date(Date.parse(deps.now()) - ACTIVE_AGENT_WINDOW_SECONDS * 1000).toISOString(),
        ),
      );
    },
  });
  new Gauge({
    name: 'brume_hosts',
    help: 'Hosts the server knows.',
    registers,
    async collect() {
      this.set(await db.stats.hosts());
    },
  });
  imageGauges(registry, db, deps.dataDir);
  new Gauge({
    name: 'brume_multicast_sessions',
    help: 'Multicast sessions held by the server, by state.',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      for (const state of MulticastState.options) this.set({ state }, 0);
      for (const row of await db.stats.multicastByState()) this.set({ state: row.state }, row.count);
    },
  });

  const served = new Counter({
    name: 'brume_image_bytes_served_total',
    help: 'Bytes of image files sent to agents over HTTP since the server started.',
    registers,
  });
  const received = new Counter({
    name: 'brume_upload_bytes_received_total',
    help: 'Bytes of capture chunks received from agents since the server started.',
    registers,
  });
  const pruned = new Counter({
    name: 'brume_tasks_pruned_total',
    help: 'Ended tasks deleted by retention since the server started.',
    registers,
  });
  const silenced = new Counter({
    name: 'brume_tasks_agent_silent_total',
    help: 'Running tasks failed as AGENT_SILENT since the server started.',
    registers,
  });
  return {
    registry,
    meters: {
      imageBytesServed: (bytes) => served.inc(bytes),
      uploadBytesReceived: (bytes) => received.inc(bytes),
      tasksPruned: (count) => pruned.inc(count),
      agentsSilenced: (count) => silenced.inc(count),
    },
  };
}

/** Published images and the file system holding DATA (images, uploads and the database share it). */
function imageGauges(registry: Registry, db: Database, dataDir: string): void {
  const registers = [registry];
  // Three aggregates over a table of a few hundred rows at most: one query each is simpler than sharing one.
  const imageStats = async <T>(pick: (stats: Awaited<ReturnType<Database['stats']['images']>>) => T): Promise<T> =>
    pick(await db.stats.images());
  new Gauge({
    name: 'brume_images',
    help: 'Published images.',
    registers,
    async collect() {
      this.set(await imageStats((stats) => stats.count));
    },
  });
  new Gauge({
    name: 'brume_image_store_bytes',
    help: 'Bytes the published images take in the store (compressed).',
    registers,
    async collect() {
      this.set(await imageStats((stats) => stats.storedBytes));
    },
  });
  new Gauge({
    name: 'brume_image_raw_bytes',
    help: 'Bytes of partition streams the published images hold (uncompressed).',
    registers,
    async collect() {
      this.set(await imageStats((stats) => stats.rawBytes));
    },
  });
  new Gauge({
    name: 'brume_data_filesystem_bytes',
    help: 'The file system holding DATA: its size and what is still available to the server.',
    labelNames: ['kind'],
    registers,
    async collect() {
      const fs = await statfs(dataDir);
      this.set({ kind: 'size' }, fs.blocks * fs.bsize);
      this.set({ kind: 'available' }, fs.bavail * fs.bsize);
    },
  });
}
