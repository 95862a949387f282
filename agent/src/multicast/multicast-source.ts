import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { parseStreamHeader, STREAM_HEADER_BYTES, type Chunk, type MulticastJoin } from '@brume/protocol';
import { phase } from '../imaging/run-context.ts';
import type { ChunkSource, Reporter } from '../ports.ts';
import { ExactReader } from './exact-reader.ts';

/** One file's multicast stream, as the receiver delivers it (udp-receiver's stdout). */
export interface ReceivedStream {
  readonly stream: Readable;
  /** Stops receiving (kills udp-receiver); the sender then drops this PC and goes on with the others. */
  stop(): Promise<void>;
}

/** Starts receiving a session's next stream: the agent calls it when a partition's turn comes. */
export type FileReceiver = (join: MulticastJoin, file: string) => Promise<ReceivedStream>;

/** How one file arrived: how much came over multicast, how much was repaired over HTTP, and why. */
export interface FileReception {
  file: string;
  receivedBytes: number;
  repairedBytes: number;
  /** Why (part of) the file came over HTTP: the stream was another one, ended early, a chunk failed its hash. */
  repairs: string[];
}

export interface MulticastStats {
  session: number;
  receivedBytes: number;
  repairedBytes: number;
  files: FileReception[];
}

interface FileStream {
  received: ReceivedStream | undefined;
  reader: ExactReader | undefined;
  /** The stored offset the stream is at (after its header). */
  position: number;
  /** The file's size, as its header says: once read whole, the receiver is stopped. */
  size: number;
  /** Set once the stream cannot serve this file any more: the rest comes over HTTP. */
  dead: string | undefined;
  stats: FileReception;
}

/**
 * Chunks from a session's multicast streams, each checked against its sha256 on arrival; a chunk the stream cannot give
 * (a wrong stream, a gap, a cut, a failed hash) comes from `repair` (HTTP Range) instead. The deploy then verifies
 * every chunk again in the codec pool, as for any source: nothing unverified reaches the disk either way.
 */
export function multicastChunkSource(
  join: MulticastJoin,
  /** The session as it is now (which files can still be joined); the first answer stands in when it fails. */
  refresh: () => Promise<MulticastJoin>,
  receive: FileReceiver,
  repair: ChunkSource,
  reporter: Reporter,
): ChunkSource & { stats(): MulticastStats } {
  const files = new Map<string, FileStream>();
  // The engine asks for chunks in order, some ahead; a stream can only be read in order, so reads are served in turn.
  let turn: Promise<unknown> = Promise.resolve();

  const openFile = async (file: string): Promise<FileStream> => {
    const state: FileStream = {
      received: undefined,
      reader: undefined,
      position: 0,
      size: 0,
      dead: undefined,
      stats: { file, receivedBytes: 0, repairedBytes: 0, repairs: [] },
    };
    files.set(file, state);
    if (!join.files.includes(file)) return kill(state, `${file} is not sent by session ${join.session}`);
    const now = await refresh().catch(() => join);
    if (now.closed.includes(file) || now.state === 'done' || now.state === 'failed' || now.state === 'cancelled') {
      // Joining now would put this PC on a later file's stream, and hold the room while the sender drops it.
      return kill(
        state,
        `session ${join.session} had begun or ended sending it before this PC was ready (a late or restarted PC)`,
      );
    }
    phase(
      reporter,
      'receive',
      `waiting for ${file} on multicast session ${join.session}`,
      file.replace(/\.pc\.zst$/, ''),
    );
    const received = await receive(join, file);
    state.received = received;
    state.reader = new ExactReader(received.stream);
    // udp-receiver connected to a sender that never starts (it began without this PC) waits for ever: not this agent.
    const timer = setTimeout(() => void received.stop(), join.fileTimeoutSeconds * 1000);
    const parsed = parseStreamHeader(await state.reader.read(STREAM_HEADER_BYTES).finally(() => clearTimeout(timer)));
    if (!parsed.ok) {
      const nothing = parsed.reason === 'the stream ended after 0 bytes, inside its header';
      return kill(
        state,
        nothing
          ? `no stream came within ${join.fileTimeoutSeconds} s (no sender, or it started without this PC)`
          : parsed.reason,
      );
    }
    const { header } = parsed;
    if (header.session !== join.session || header.image !== join.image || header.file !== file) {
      // fogproject #1742: a PC on another session's stream, or on the wrong file of its own, must not write a byte of it.
      return kill(
        state,
        `the stream is session ${header.session}'s ${header.image} ${header.file}, not session ${join.session}'s ${join.image} ${file}`,
      );
    }
    state.size = header.bytes;
    phase(
      reporter,
      'receive',
      `receiving ${file} from multicast session ${join.session}`,
      file.replace(/\.pc\.zst$/, ''),
    );
    return state;
  };

  const kill = async (state: FileStream, reason: string): Promise<FileStream> => {
    state.dead = reason;
    state.stats.repairs.push(reason);
    reporter.event({
      type: 'log',
      ts: new Date().toISOString(),
      level: 'warn',
      message: `${state.stats.file}: ${reason}; the rest of it comes over HTTP`,
      detail: { file: state.stats.file, reason },
    });
    await state.received?.stop();
    return state;
  };

  const fromStream = async (state: FileStream, chunk: Chunk, index: number): Promise<Uint8Array | undefined> => {
    if (state.dead !== undefined || state.reader === undefined) return undefined;
    if (chunk.offset < state.position) return undefined;
    if (chunk.offset > state.position) {
      // A chunk the engine skipped (none today): the stream's bytes up to it are read and dropped, to stay aligned.
      const skipped = await state.reader.read(chunk.offset - state.position);
      state.position += skipped.byteLength;
      if (state.position !== chunk.offset)
        return (await kill(state, `the stream ended at byte ${state.position}`), undefined);
    }
    const bytes = await state.reader.read(chunk.bytes);
    state.position += bytes.byteLength;
    if (bytes.byteLength !== chunk.bytes)
      return (
        await kill(state, `the stream ended at byte ${state.position} (the sender dropped this PC, or stopped)`),
        undefined
      );
    if (createHash('sha256').update(bytes).digest('hex') !== chunk.sha256) {
      state.stats.repairs.push(`chunk ${index} failed its sha256`);
      return undefined;
    }
    return bytes;
  };

  const readOne = async (file: string, chunk: Chunk, index: number): Promise<Uint8Array> => {
    const state = files.get(file) ?? (await openFile(file));
    const bytes = await fromStream(state, chunk, index);
    if (state.dead === undefined && state.position === state.size) await state.received?.stop();
    if (bytes !== undefined) {
      state.stats.receivedBytes += bytes.byteLength;
      return bytes;
    }
    state.stats.repairedBytes += chunk.bytes;
    return repair.read(file, chunk, index);
  };

  return {
    read(file, chunk, index) {
      const result = turn.then(() => readOne(file, chunk, index));
      turn = result.catch(() => undefined);
      return result;
    },
    async close() {
      await turn;
      await Promise.all([...files.values()].map((state) => state.received?.stop()));
      await repair.close();
    },
    stats() {
      const all = [...files.values()].map((state) => state.stats);
      return {
        session: join.session,
        receivedBytes: all.reduce((sum, file) => sum + file.receivedBytes, 0),
        repairedBytes: all.reduce((sum, file) => sum + file.repairedBytes, 0),
        files: all,
      };
    },
  };
}
