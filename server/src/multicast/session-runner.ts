import { PassThrough, type Readable } from 'node:stream';
import { encodeStreamHeader, type MulticastFile, type MulticastSettings } from '@brume/protocol';
import type { Database } from '../db/database.ts';
import type { ImageStore } from '../store/image-store.ts';

/** One file's send: what udp-sender gets on its stdin, and how it starts. */
export interface FileSend {
  session: number;
  /** The stream header, then the file's bytes. */
  stream: Readable;
  settings: MulticastSettings;
  /** The interface that sends (the session's, else the server's default, else udp-sender's own choice). */
  interface: string | null;
  /** Receivers this file waits for (up to settings.maxWaitSeconds) before it starts. */
  minReceivers: number;
  signal: AbortSignal;
  /** Receivers connected so far, as udp-sender reports them. */
  onReceivers?: (count: number) => void;
  /** udp-sender holds its ports and waits for receivers: PCs may join this file now. */
  onReady?: () => void;
  /** The transfer began: no receiver can join this file any more. */
  onStarted?: () => void;
}

export interface SendOutcome {
  /** Receivers the transfer started with. */
  receivers: number;
  /** Receivers udp-sender dropped as too slow (they finish over HTTP). */
  dropped: number;
}

/** Sends one stream to a session's receivers: udp-sender in production (udpcast-sender.ts). */
export type Sender = (send: FileSend) => Promise<SendOutcome>;

/** The session's ports are held by another sender: the file waits for them rather than fail (sessions queue). */
export class PortBusyError extends Error {
  constructor(portbase: number) {
    super(`ports ${portbase}-${portbase + 1} are in use by another sender`);
  }
}

const PORT_RETRY_MS = 2000;

export interface RunnerDeps {
  db: Database;
  store: ImageStore;
  sender: Sender;
  /** The interface used when a session names none (`brume server --multicast-interface`, or the listen address's). */
  defaultInterface: string | null;
  now: () => string;
  log: (message: string, detail?: Record<string, unknown>) => void;
}

/**
 * Sends every session's files, one after the other, each with its header; the one writer of a session's state. A file
 * that fails is marked so and the next one goes: its receivers repair it over HTTP, which every deploy can.
 */
export class MulticastRunner {
  readonly #deps: RunnerDeps;
  readonly #running = new Map<number, { abort: AbortController; done: Promise<void> }>();

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
  }

  start(id: number): void {
    const abort = new AbortController();
    const done = this.#run(id, abort.signal)
      .catch((error: unknown) =>
        this.#deps.log(`multicast session ${id} stopped on an error`, { error: String(error) }),
      )
      .finally(() => this.#running.delete(id));
    this.#running.set(id, { abort, done });
  }

  /** Stops sending (the file in flight is cut); resolves once the session is marked cancelled. */
  async cancel(id: number): Promise<void> {
    const running = this.#running.get(id);
    running?.abort.abort();
    await running?.done;
  }

  /** Sessions a previous server left waiting or sending cannot resume: they are marked failed, their PCs repair. */
  async recover(): Promise<void> {
    for (const session of await this.#deps.db.multicast.active()) {
      if (this.#running.has(session.id)) continue;
      await this.#deps.db.multicast.update(session.id, {
        state: 'failed',
        endedAt: this.#deps.now(),
        error: 'the server stopped while this session was under way',
      });
    }
  }

  async close(): Promise<void> {
    for (const running of this.#running.values()) running.abort.abort();
    await Promise.all([...this.#running.values()].map((running) => running.done));
  }

  async #run(id: number, signal: AbortSignal): Promise<void> {
    const { db } = this.#deps;
    const session = await db.multicast.byId(id);
    if (session === undefined) return;
    const files = session.files.map((file) => ({ ...file }));
    await db.multicast.update(id, { state: 'sending', startedAt: this.#deps.now() });
    let minReceivers = session.settings.minReceivers;
    let firstError: string | undefined;
    for (const file of files) {
      if (signal.aborted) break;
      const started = performance.now();
      try {
        const outcome = await this.#sendWhenPortsFree(id, signal, () => ({
          session: id,
          stream: this.#stream(id, session.image, file),
          settings: session.settings,
          interface: session.settings.interface ?? this.#deps.defaultInterface,
          minReceivers,
          signal,
          onReady: () => {
            file.state = 'waiting';
            void db.multicast.update(id, { files });
          },
          onStarted: () => {
            file.state = 'sending';
            void db.multicast.update(id, { files });
          },
        }));
        Object.assign(file, {
          state: 'sent',
          receivers: outcome.receivers,
          seconds: (performance.now() - started) / 1000,
        });
        // The next file waits for those who took this one: a PC that fell behind catches up over HTTP, not the room.
        minReceivers = Math.max(1, outcome.receivers - outcome.dropped);
      } catch (error) {
        file.state = 'failed';
        firstError ??= `${file.name}: ${error instanceof Error ? error.message : String(error)}`;
        this.#deps.log(`multicast session ${id}: ${file.name} was not sent`, { error: String(error) });
      }
      await db.multicast.update(id, { files });
    }
    const state = signal.aborted
      ? 'cancelled'
      : files.every((file) => file.state === 'failed') && files.length > 0
        ? 'failed'
        : 'done';
    await db.multicast.update(id, {
      state,
      endedAt: this.#deps.now(),
      ...(firstError === undefined ? {} : { error: firstError }),
    });
  }

  /** Sends, retrying while another sender holds the ports; the file stays `waiting` meanwhile (a PC may join it). */
  async #sendWhenPortsFree(id: number, signal: AbortSignal, send: () => FileSend): Promise<SendOutcome> {
    for (let logged = false; ; logged = true) {
      try {
        return await this.#deps.sender(send());
      } catch (error) {
        if (!(error instanceof PortBusyError) || signal.aborted) throw error;
        if (!logged) this.#deps.log(`multicast session ${id} waits: ${error.message}`);
        await new Promise((resolve) => setTimeout(resolve, PORT_RETRY_MS));
      }
    }
  }

  #stream(session: number, image: string, file: MulticastFile): Readable {
    const stream = new PassThrough();
    stream.write(encodeStreamHeader({ session, image, file: file.name, bytes: file.bytes }));
    const body = this.#deps.store.openRead(image, file.name, null);
    body.on('error', (error) => stream.destroy(error));
    body.pipe(stream);
    return stream;
  }
}
