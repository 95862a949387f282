import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  /** The start of a `Range: bytes=START-` header, when the request had one. */
  rangeStart: number | undefined;
}

export interface CuttingProxy {
  url: string;
  /** Every HTTP request that began through the proxy, in order (complete or cut). */
  requests: ProxiedRequest[];
  /** Connections cut so far (one per threshold crossed). */
  cuts(): number;
  /** Bytes relayed so far, both directions. */
  bytes(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that behaves like a classroom network: every time the total bytes
 * relayed (both directions, all connections) crosses one of `cutAfter`, it destroys every open connection at once —
 * the agent sees a reset mid-request, exactly like a switch port flapping. Between cuts it relays faithfully, and notes
 * each request it carries, so a test can tell which chunks were sent twice and where each Range began.
 */
export async function startCuttingProxy(
  target: URL,
  cutAfter: number[],
  onRequest?: (request: ProxiedRequest) => void,
  options: { bytesPerSecond?: number } = {},
): Promise<CuttingProxy> {
  const thresholds = [...cutAfter].sort((a, b) => a - b);
  // A slow link, when asked: all connections together relay no faster than this (a task is then caught mid-way).
  const started = performance.now();
  const open = new Set<Socket>();
  const requests: ProxiedRequest[] = [];
  let relayed = 0;
  let cuts = 0;

  const cutEverything = (): void => {
    cuts++;
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
  };
  const count = (bytes: number): void => {
    relayed += bytes;
    while (thresholds.length > 0 && relayed >= (thresholds[0] ?? Infinity)) {
      thresholds.shift();
      cutEverything();
    }
  };
  // Request heads are found by their shape; chunk bodies are compressed data, where such a line does not occur by chance.
  const noteRequests = (data: Buffer): void => {
    for (const match of data
      .toString('latin1')
      .matchAll(/(GET|HEAD|PUT|POST|DELETE) (\/\S*) HTTP\/1\.1\r\n((?:[^\r\n]+\r\n)*)\r\n/g)) {
      const range = /^range: bytes=(\d+)-/im.exec(match[3] ?? '');
      const request = {
        method: match[1] ?? '',
        path: match[2] ?? '',
        rangeStart: range?.[1] === undefined ? undefined : Number(range[1]),
      };
      requests.push(request);
      onRequest?.(request);
    }
  };
  const relay = (from: Socket, to: Socket, fromClient: boolean): void => {
    from.on('data', (data: Buffer) => {
      if (to.destroyed) return;
      if (fromClient) noteRequests(data);
      to.write(data);
      count(data.byteLength);
      const rate = options.bytesPerSecond;
      if (rate === undefined) return;
      const ahead = started + (relayed / rate) * 1000 - performance.now();
      if (ahead > 0) {
        from.pause();
        setTimeout(() => from.resume(), ahead).unref();
      }
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => to.destroy());
  };

  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client);
    open.add(upstream);
    client.on('close', () => open.delete(client));
    upstream.on('close', () => open.delete(upstream));
    relay(client, upstream, true);
    relay(upstream, client, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cuts: () => cuts,
    bytes: () => relayed,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
