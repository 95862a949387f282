import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { deleteNamespace, ip, removeStaleNamespaces } from '../../support/netns.ts';

/**
 * A school network in a box, made of network namespaces this test creates and nothing else (the network rule: no
 * packet leaves them). `lan` holds a bridge with the Brume machine's address and a tap device for the VM; `router`
 * holds the "existing DHCP router" on a veth plugged into that bridge. The host's own namespace gets no interface and
 * no route into the lab: the Brume server keeps listening on 127.0.0.1, reached from the lab through a Unix socket
 * (see relayServer), which crosses namespaces without being a network.
 */
export interface NetnsLab {
  lan: string;
  router: string;
  /** The tap device in `lan`, on the bridge, for QEMU's `-netdev tap`. */
  tap: string;
  /** The Brume machine's address on the bridge (where proxy-DHCP and TFTP answer, and the server is relayed). */
  serverAddress: string;
  routerAddress: string;
  /** Starts a long-running program inside a namespace; its output is kept in `output`. */
  spawnIn(netns: string, command: string, args: readonly string[]): LabProcess;
  /**
   * Makes the server on the host's 127.0.0.1:`hostPort` answer at serverAddress:`hostPort` inside `lan`: a socat in
   * `lan` listens there and hands each connection through the Unix socket `socketPath` to a socat on the host, which
   * connects to 127.0.0.1. The server then sees the Host the PCs used, as it would on a real network.
   */
  relayServer(hostPort: number, socketPath: string): Promise<void>;
  /** Runs a program inside a namespace to its end and returns its stdout. */
  runIn(netns: string, command: string, args: readonly string[]): string;
  /** Kills every process started here and deletes both namespaces. */
  destroy(): Promise<void>;
}

export interface LabProcess {
  child: ChildProcess;
  /** stdout and stderr, line by line as they came. */
  output: string[];
}

const PREFIX = 'brume-e2e-';
const SUBNET = '10.77.0';

export function createNetnsLab(): NetnsLab {
  removeStaleNamespaces(PREFIX);
  const lan = `${PREFIX}${process.pid}-lan`;
  const router = `${PREFIX}${process.pid}-rtr`;
  const serverAddress = `${SUBNET}.1`;
  const routerAddress = `${SUBNET}.254`;
  ip('netns', 'add', lan);
  ip('netns', 'add', router);
  ip('-n', lan, 'link', 'set', 'lo', 'up');
  ip('-n', router, 'link', 'set', 'lo', 'up');
  ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', lan, 'addr', 'add', `${serverAddress}/24`, 'dev', 'br0');
  ip('-n', lan, 'link', 'set', 'br0', 'up');
  ip('-n', lan, 'link', 'add', 'vrouter', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', router);
  ip('-n', lan, 'link', 'set', 'vrouter', 'master', 'br0', 'up');
  ip('-n', router, 'addr', 'add', `${routerAddress}/24`, 'dev', 'eth0');
  ip('-n', router, 'link', 'set', 'eth0', 'up');
  ip('-n', lan, 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap');
  ip('-n', lan, 'link', 'set', 'tap0', 'master', 'br0', 'up');

  const started: LabProcess[] = [];
  const track = (netns: string | null, command: string, args: readonly string[]): LabProcess => {
    const argv = netns === null ? [command, ...args] : ['ip', 'netns', 'exec', netns, command, ...args];
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const keep = (data: Buffer): void => {
      output.push(...data.toString('utf8').split('\n').filter(Boolean));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const labProcess = { child, output };
    started.push(labProcess);
    return labProcess;
  };
  return {
    lan,
    router,
    tap: 'tap0',
    serverAddress,
    routerAddress,
    spawnIn: (netns, command, args) => track(netns, command, args),
    async relayServer(hostPort, socketPath) {
      const onHost = track(null, 'socat', [
        '-d',
        '-d',
        `UNIX-LISTEN:${socketPath},fork,unlink-early`,
        `TCP:127.0.0.1:${hostPort}`,
      ]);
      await waitForOutput(onHost, /listening on/, 10);
      const inLan = track(lan, 'socat', [
        '-d',
        '-d',
        `TCP-LISTEN:${hostPort},bind=${serverAddress},fork,reuseaddr`,
        `UNIX-CONNECT:${socketPath}`,
      ]);
      await waitForOutput(inLan, /listening on/, 10);
    },
    runIn(netns, command, args) {
      return execFileSync('ip', ['netns', 'exec', netns, command, ...args], { encoding: 'utf8' });
    },
    async destroy() {
      for (const { child } of started) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      for (const name of [lan, router]) deleteNamespace(name);
    },
  };
}

/** Resolves when a line of `process` matches `pattern`; rejects after `seconds` with what it printed. */
export function waitForOutput(process: LabProcess, pattern: RegExp, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      const line = process.output.find((candidate) => pattern.test(candidate));
      if (line !== undefined) resolve(line);
      else if (Date.now() - started > seconds * 1000)
        reject(new Error(`no line matching ${pattern} within ${seconds} s:\n${process.output.join('\n')}`));
      else setTimeout(poll, 100);
    };
    poll();
  });
}
