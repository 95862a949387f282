import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { NetworkTimeouts } from './config.ts';

/** How often Node checks the request and headers timers; a second keeps a test's small timeout close to its value. */
const CHECK_INTERVAL_MS = 1000;

/**
 * Node's HTTP server as fastify builds it, bounded against a silent or slow peer: the whole request, its head, an idle
 * keep-alive connection, and TCP keepalive on each accepted socket (a peer gone without a FIN is found by the kernel).
 */
export function serverTimeoutOptions(
  timeouts: NetworkTimeouts,
): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout' | 'connectionTimeout'> & { http: object } {
  return {
    requestTimeout: timeouts.requestSeconds * 1000,
    keepAliveTimeout: timeouts.keepAliveSeconds * 1000,
    // No whole-socket idle timer: a commit re-hashing a disk image is silent for minutes and must keep its answer.
    connectionTimeout: 0,
    http: {
      headersTimeout: timeouts.headersSeconds * 1000,
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
      keepAlive: true,
      keepAliveInitialDelay: timeouts.tcpKeepAliveSeconds * 1000,
    },
  };
}

/**
 * Arms an idle timer on a request whose body a handler streams: no byte for `seconds` destroys the request (and its
 * socket), so whatever reads the body fails and releases what it held. The returned function disarms it.
 */
export function watchBodyIdle(request: IncomingMessage, seconds: number): () => void {
  const socket: Socket = request.socket;
  // An injected request (app.inject in tests) has no real socket, so nothing to time.
  if (typeof socket.setTimeout !== 'function') return () => undefined;
  const onTimeout = (): void => {
    request.destroy(
      Object.assign(new Error(`no byte of the request body for ${seconds} s`), { code: 'BODY_IDLE_TIMEOUT' }),
    );
  };
  request.setTimeout(seconds * 1000, onTimeout);
  return () => {
    request.off('timeout', onTimeout);
    socket.setTimeout(0);
  };
}
