import { execFileSync } from 'node:child_process';

/** Network namespaces a test makes carry its pid in their names (`PREFIX<pid>-…`), so a later run can clean up after one that died. */
export const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills what still runs inside, then deletes the namespace. */
export function deleteNamespace(name: string): void {
  const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  ip('netns', 'del', name);
}

/** Namespaces named `prefix<pid>-…` whose pid is gone: left by a run that died before its cleanup. */
export function removeStaleNamespaces(prefix: string): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(pid) && !alive(pid)) deleteNamespace(name);
  }
}

/**
 * Plugs a new namespace `ns` into the bridge br0 of namespace `hub` by a veth pair (`port` on the hub's side, eth0 in
 * `ns`), with `address`/24 and its broadcast address (`brd +`: udpcast and Wake-on-LAN send to it).
 */
export function plugIntoHub(hub: string, ns: string, port: string, address: string): void {
  ip('netns', 'add', ns);
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', hub, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  ip('-n', hub, 'link', 'set', port, 'master', 'br0');
  ip('-n', hub, 'link', 'set', port, 'up');
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'brd', '+', 'dev', 'eth0');
  ip('-n', ns, 'link', 'set', 'eth0', 'up');
}
