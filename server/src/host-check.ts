import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { BrumeError } from '@brume/protocol';
import type { Config } from './config.ts';

/**
 * The names a request's Host header may carry: an address (a rebinding attack needs a name it controls, never an IP
 * literal), localhost, this machine's own name (`imaging`, `imaging.school.lan`: a name the attacker does not own),
 * the listen address, the host of --public-url, and any --allow-host. A web page on the school network that points its
 * own name at this server (DNS rebinding) is refused before any route runs.
 */
export function allowedHostNames(
  config: Pick<Config, 'listen' | 'publicUrl' | 'allowedHosts'>,
  machineName: string = hostname(),
): ReadonlySet<string> {
  const names = [
    'localhost',
    machineName,
    machineName.split('.')[0] ?? machineName,
    config.listen.host,
    ...config.allowedHosts,
  ];
  if (config.publicUrl !== null) names.push(new URL(config.publicUrl).hostname.replace(/^\[(.*)\]$/, '$1'));
  return new Set(names.map((name) => name.toLowerCase()));
}

/** The name in a Host header, without its port or an IPv6 literal's brackets. */
export function hostName(header: string): string {
  const bracketed = /^\[([^\]]*)\](:\d*)?$/.exec(header);
  if (bracketed !== null) return (bracketed[1] ?? '').toLowerCase();
  return header.replace(/:\d*$/, '').toLowerCase();
}

/** Throws HOST_NOT_ALLOWED (421) for a Host header that names this server by a name it was not told about. */
export function checkHost(header: string | undefined, allowed: ReadonlySet<string>): void {
  // HTTP/1.0 clients may send none; a browser always does.
  if (header === undefined || header === '') return;
  const name = hostName(header);
  if (isIP(name) !== 0 || allowed.has(name)) return;
  throw new BrumeError(
    'HOST_NOT_ALLOWED',
    `this server is not ${name}: start it with --public-url or --allow-host ${name} to serve that name`,
    { detail: { host: name } },
  );
}
