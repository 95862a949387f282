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
  const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
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
