import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the network does at the fault point:
 * - `silent`: every open connection stops carrying bytes, both ways, and is never closed (a cable pulled: no FIN, no RST);
 * - `reset`: every open connection is reset (a switch port flapping);
 * - `stall`: every open connection carries nothing for `holdMs`, then what was held goes through;
 * - `trickle`: for `holdMs`, all connections together carry about 4 KiB/s;
 * - `duplicate`: each open connection's current request is sent again on a new connection, as far as it got, and that
 *   copy then goes silent (a retransmitted request the sender gave up on).
 * Connections opened after the fault are carried faithfully: the network came back.
 */
export type FaultKind = 'silent' | 'reset' | 'stall' | 'trickle' | 'duplicate';
export const FAULT_KINDS: readonly FaultKind[] = ['silent', 'reset', 'stall', 'trickle', 'duplicate'];

export interface FaultPlan {
  kind: FaultKind;
  /** The fault strikes when the bytes relayed (both directions, all connections) reach this. */
  atByte: number;
  /** How long a stall or a trickle lasts. */
  holdMs: number;
}

export interface FaultProxy {
  url: string;
  /** performance.now() when the fault struck, or undefined if the traffic never reached its point. */
  firedAt(): number | undefined;
  bytes(): number;
  close(): Promise<void>;
}

const TRICKLE_BYTES_PER_SECOND = 4096;
const SLICE_BYTES = 512;
const REQUEST_LINE = /(?:GET|HEAD|PUT|POST|DELETE) \/\S* HTTP\/1\.1\r\n/g;

interface Link {
  client: Socket;
  upstream: Socket;
  /** The client's bytes since its current request began (for `duplicate`). */
  request: Buffer[];
  /** Black-holed by a silent fault: nothing more is relayed, nothing is closed. */
  dead: boolean;
}

/** A TCP proxy on 127.0.0.1 in front of `target` that strikes once, as `plan` says. */
export async function startFaultProxy(target: URL, plan: FaultPlan): Promise<FaultProxy> {
  const links = new Set<Link>();
  const spares = new Set<Socket>();
  let relayed = 0;
  let firedAt: number | undefined;
  let holdUntil = 0;
  let trickleUntil = 0;

  const strike = (): void => {
    firedAt = performance.now();
    for (const link of links) {
      switch (plan.kind) {
        case 'silent':
          // Nothing read any more, so each sender's buffers fill as they would behind a dead link.
          link.dead = true;
          link.client.pause();
          link.upstream.pause();
          break;
        case 'reset':
          link.client.resetAndDestroy();
          link.upstream.resetAndDestroy();
          break;
        case 'stall':
          holdUntil = firedAt + plan.holdMs;
          break;
        case 'trickle':
          trickleUntil = firedAt + plan.holdMs;
          break;
        case 'duplicate':
          duplicate(link);
          break;
      }
    }
  };
  const duplicate = (link: Link): void => {
    const copy = connect(Number(target.port), target.hostname);
    spares.add(copy);
    copy.on('error', () => undefined);
    copy.on('data', () => undefined);
    copy.write(Buffer.concat(link.request));
  };
  const count = (bytes: number): void => {
    relayed += bytes;
    if (firedAt === undefined && relayed >= plan.atByte) strike();
  };
  /** How long to hold the next slice back: a stall's end, or the trickle's pace. */
  const delayFor = (bytes: number): number => {
    const now = performance.now();
    if (now < holdUntil) return holdUntil - now;
    if (now < trickleUntil) return (bytes / TRICKLE_BYTES_PER_SECOND) * 1000;
    return 0;
  };

  const relay = (link: Link, from: Socket, to: Socket, fromClient: boolean): void => {
    // Pieces go out in small slices, each after its delay, so a trickle is a trickle and not one long hold.
    const pump = async (data: Buffer): Promise<void> => {
      for (let start = 0; start < data.byteLength; start += SLICE_BYTES) {
        const slice = data.subarray(start, start + SLICE_BYTES);
        const delay = delayFor(slice.byteLength);
        if (delay > 0) await sleep(delay);
        if (link.dead || to.destroyed) return;
        to.write(slice);
      }
    };
    from.on('data', (data: Buffer) => {
      if (link.dead || to.destroyed) return;
      if (fromClient) noteRequest(link, data);
      count(data.byteLength);
      if (delayFor(0) === 0 && performance.now() >= trickleUntil) {
        to.write(data);
        return;
      }
      from.pause();
      void pump(data).then(() => {
        if (!link.dead) from.resume();
      });
    });
    from.on('end', () => link.dead || to.end());
    from.on('error', () => link.dead || to.destroy());
    from.on('close', () => link.dead || to.destroy());
  };

  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    const link: Link = { client, upstream, request: [], dead: false };
    links.add(link);
    const forget = (): void => {
      if (!link.dead) links.delete(link);
    };
    client.on('close', forget);
    upstream.on('close', forget);
    relay(link, client, upstream, true);
    relay(link, upstream, client, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    firedAt: () => firedAt,
    bytes: () => relayed,
    close: () =>
      new Promise((resolve) => {
        for (const link of links) {
          link.client.destroy();
          link.upstream.destroy();
        }
        for (const spare of spares) spare.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Keeps the bytes of the client's current request: a new request line starts it afresh. */
function noteRequest(link: Link, data: Buffer): void {
  let start = -1;
  for (const match of data.toString('latin1').matchAll(REQUEST_LINE)) start = match.index;
  if (start >= 0) link.request = [data.subarray(start)];
  else link.request.push(data);
}
