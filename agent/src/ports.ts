import type { Event } from '@brume/protocol';

/** Where a running job's events go: the terminal, NDJSON on stdout, or (later) the server. Best-effort, never throws. */
export interface Reporter {
  event(event: Event): void;
}
