import type { Config } from './config.ts';
import { endUnconfirmedCancels } from './domain/cancel-grace.ts';
import type { DomainContext } from './domain/context.ts';
import { pruneEndedTasks } from './domain/retention.ts';
import { failSilentAgents } from './domain/silent-agents.ts';
import type { ServerMeters } from './metrics/server-metrics.ts';

/** Runs `work` every `ms`; returns what stops it. Injected so tests drive the loops by hand (with their own clock). */
export interface Ticker {
  every(ms: number, work: () => Promise<void>): () => void;
}

export const timerTicker: Ticker = {
  every(ms, work) {
    const timer = setInterval(() => void work(), ms).unref();
    return () => clearInterval(timer);
  },
};

export interface HousekeepingLog {
  info(detail: object, message: string): void;
  warn(detail: object, message: string): void;
  error(detail: object, message: string): void;
}

export interface HousekeepingDeps {
  ctx: DomainContext;
  config: Pick<Config, 'retentionDays' | 'agentTimeoutSeconds' | 'dataDir'>;
  meters: ServerMeters;
  log: HousekeepingLog;
  ticker: Ticker;
}

export interface Housekeeping {
  /** One retention pass and one silent-agent pass, as each tick does (start runs them first). */
  retention(): Promise<void>;
  silentAgents(): Promise<void>;
  /** One pass ending the cancelled tasks whose agents did not confirm in time. */
  unconfirmedCancels(): Promise<void>;
  start(): Promise<void>;
  /** Stops the loops and waits for a pass in flight. */
  stop(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;
/** How often cancels left unconfirmed are looked for: the grace is a minute, a few seconds late is fine. */
export const CANCEL_CHECK_MS = 3_000;

/** How often silent agents are looked for: a tenth of the timeout, between 5 s and a minute. */
export const silentCheckMs = (timeoutSeconds: number): number =>
  Math.min(60_000, Math.max(5_000, timeoutSeconds * 100));

/**
 * The server's periodic work: retention (at start, then daily), the silent-agent timeout (every silentCheckMs) and the
 * grace of a cancel its agent did not confirm (every CANCEL_CHECK_MS).
 * A pass never overlaps the previous one of its kind; a failed pass is logged and the next tick tries again.
 */
export function housekeeping({ ctx, config, meters, log, ticker }: HousekeepingDeps): Housekeeping {
  const stops: (() => void)[] = [];
  // When this server began to listen for agents: silence before it (the server down) is no agent's fault.
  let watchingSince: string | undefined;
  const inFlight = new Set<Promise<void>>();
  const once = (name: string, pass: () => Promise<void>): (() => Promise<void>) => {
    let running: Promise<void> | undefined;
    return () => {
      running ??= pass()
        .catch((error: unknown) => log.error({ err: error }, `${name} failed; the next pass tries again`))
        .finally(() => {
          if (running !== undefined) inFlight.delete(running);
          running = undefined;
        });
      inFlight.add(running);
      return running;
    };
  };

  const retention = once('retention', async () => {
    const pruned = await pruneEndedTasks(ctx, config.retentionDays, config.dataDir);
    if (pruned === null) return;
    meters.tasksPruned(pruned.taskIds.length);
    log.info(
      {
        retentionDays: config.retentionDays,
        before: pruned.before,
        tasks: pruned.taskIds.length,
        taskIds: pruned.taskIds.slice(0, 100),
        logFiles: pruned.logFiles,
        recoveredDirs: pruned.recoveredDirs,
      },
      `retention: deleted ${pruned.taskIds.length} task(s) ended before ${pruned.before}, with ${pruned.logFiles} log file(s) and ${pruned.recoveredDirs} folder(s) of recovered files`,
    );
  });
  const silentAgents = once('silent-agent check', async () => {
    watchingSince ??= ctx.now();
    const failed = await failSilentAgents(ctx, config.agentTimeoutSeconds, watchingSince);
    meters.agentsSilenced(failed.length);
    for (const task of failed)
      log.warn(
        { taskId: task.id, host: task.hostName, heardAt: task.heardAt },
        `task ${task.id} failed: its agent on ${task.hostName} was last heard from at ${task.heardAt} (AGENT_SILENT)`,
      );
  });

  const unconfirmedCancels = once('unconfirmed-cancel check', async () => {
    for (const task of await endUnconfirmedCancels(ctx)) {
      log.warn(
        { taskId: task.id, host: task.hostName, cancelRequestedAt: task.cancelRequestedAt },
        `task ${task.id} cancelled: its agent on ${task.hostName} did not confirm (CANCEL_UNCONFIRMED)`,
      );
    }
  });

  return {
    retention,
    silentAgents,
    unconfirmedCancels,
    async start() {
      watchingSince = ctx.now();
      await retention();
      await silentAgents();
      if (config.retentionDays > 0) stops.push(ticker.every(DAY_MS, retention));
      if (config.agentTimeoutSeconds > 0)
        stops.push(ticker.every(silentCheckMs(config.agentTimeoutSeconds), silentAgents));
      stops.push(ticker.every(CANCEL_CHECK_MS, unconfirmedCancels));
    },
    async stop() {
      for (const stop of stops.splice(0)) stop();
      await Promise.all(inFlight);
    },
  };
}
