import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { deleteNamespace, ip, plugIntoHub, removeStaleNamespaces } from './netns.ts';

/**
 * A room of PCs in network namespaces this test creates (the network rule: multicast only there, no packet leaves):
 * a `hub` namespace holding a bridge with no address and no uplink, the Brume server's namespace and one per PC, each
 * plugged into the hub by a veth pair. Loop devices are not namespaced: each PC's agent writes its own loop disk.
 */
export interface Room {
  serverNs: string;
  serverAddress: string;
  pcs: { ns: string; address: string }[];
  /** Runs a program in a namespace to its end. */
  run(
    ns: string,
    command: string,
    args: readonly string[],
    env?: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Starts a long-running program in a namespace (`ip netns exec` execs it: the pid is the program's). */
  spawn(ns: string, command: string, args: readonly string[], env?: Record<string, string>): ChildProcess;
  destroy(): Promise<void>;
}

const PREFIX = 'brume-room-';
const SUBNET = '10.79.0';

export function createRoom(pcCount: number): Room {
  removeStaleNamespaces(PREFIX);
  const base = `${PREFIX}${process.pid}-`;
  const hub = `${base}hub`;
  const serverNs = `${base}srv`;
  const serverAddress = `${SUBNET}.1`;
  const made: string[] = [];
  try {
    ip('netns', 'add', hub);
    made.push(hub);
    ip('-n', hub, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', hub, 'link', 'set', 'br0', 'up');
    plugIntoHub(hub, serverNs, 'vsrv', serverAddress);
    made.push(serverNs);
    const pcs = Array.from({ length: pcCount }, (_, index) => {
      const ns = `${base}pc${index + 1}`;
      const address = `${SUBNET}.${11 + index}`;
      plugIntoHub(hub, ns, `vpc${index + 1}`, address);
      made.push(ns);
      return { ns, address };
    });
    return {
      serverNs,
      serverAddress,
      pcs,
      run: (ns, command, args, env = {}) =>
        new Promise((resolve) => {
          execFile(
            'ip',
            ['netns', 'exec', ns, command, ...args],
            { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
            (error, stdout, stderr) =>
              resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
          );
        }),
      spawn: (ns, command, args, env = {}) =>
        spawn('ip', ['netns', 'exec', ns, command, ...args], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      destroy: async () => {
        for (const ns of made.reverse()) deleteNamespace(ns);
      },
    };
  } catch (error) {
    for (const ns of made.reverse()) deleteNamespace(ns);
    throw error;
  }
}
