import { connect, type Socket } from 'node:net';

/**
 * An HTTP/1.1 request written by hand on a raw socket, so a test can stop mid-body and go silent (no FIN, no RST) as a
 * PC whose cable was pulled does, or send a byte at a time.
 */
export interface RawRequest {
  socket: Socket;
  /** Everything the server sent back so far. */
  received(): string;
  /** The status of the answer, once its head arrived. */
  status(): number | undefined;
  /** Resolves when the server closed the connection (FIN or RST): the ms it took from the start. */
  closed: Promise<number>;
  write(data: Uint8Array | string): Promise<void>;
  destroy(): void;
}

export async function openRawRequest(
  url: string,
  head: { method: string; path: string; headers: Record<string, string> },
): Promise<RawRequest> {
  const target = new URL(url);
  const started = performance.now();
  const socket = connect(Number(target.port), target.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => {
    socket.once('end', () => resolve(performance.now() - started));
    socket.once('close', () => resolve(performance.now() - started));
  });
  const lines = [
    `${head.method} ${head.path} HTTP/1.1`,
    `host: ${target.host}`,
    ...Object.entries(head.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const write = (data: Uint8Array | string): Promise<void> =>
    new Promise((resolve, reject) =>
      socket.write(data, (error) => (error === undefined || error === null ? resolve() : reject(error))),
    );
  await write(`${lines.join('\r\n')}\r\n\r\n`);
  return {
    socket,
    received: () => text,
    status: () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      return match === null ? undefined : Number(match[1]);
    },
    closed,
    write,
    destroy: () => socket.destroy(),
  };
}
