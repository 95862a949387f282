import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CuttingProxy {
  url: string;
  /** Connections cut so far (one per threshold crossed). */
  cuts(): number;
  /** Bytes relayed so far, both directions. */
  bytes(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that behaves like a classroom network: every time the total bytes
 * relayed (both directions, all connections) crosses one of `cutAfter`, it destroys every open connection at once —
 * the agent sees a reset mid-request, exactly like a switch port flapping. Between cuts it relays faithfully.
 */
export async function startCuttingProxy(target: URL, cutAfter: number[]): Promise<CuttingProxy> {
  const thresholds = [...cutAfter].sort((a, b) => a - b);
  const open = new Set<Socket>();
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
  const relay = (from: Socket, to: Socket): void => {
    from.on('data', (data: Buffer) => {
      if (to.destroyed) return;
      to.write(data);
      count(data.byteLength);
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
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    bytes: () => relayed,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
