import type { Config } from './config.ts';

/** A Host header that can go into a URL, a kernel command line and an iPXE script as it is. */
const PLAIN_HOST = /^[A-Za-z0-9.:[\]-]+$/;

/**
 * The URL a PC reaches this server by: --public-url when set, else the address its request was sent to (the Host
 * header), else the listen address. Pure: the route passes the header in.
 */
export function serverUrl(config: Pick<Config, 'publicUrl' | 'listen'>, hostHeader: string | undefined): string {
  if (config.publicUrl !== null) return config.publicUrl;
  if (hostHeader !== undefined && PLAIN_HOST.test(hostHeader)) return `http://${hostHeader}`;
  const { host: address, port } = config.listen;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
