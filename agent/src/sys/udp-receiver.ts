import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { spawnTool } from './exec.ts';

export interface UdpReceiverOptions {
  portbase: number;
  /** The NIC facing the server: udp-receiver's own default is eth0, which a PC may not have. */
  interface: string | null;
  /** Give up when no sender answers (or starts) within this time: the file then comes over HTTP. */
  startTimeoutSeconds: number;
  /** Give up when the sender goes silent mid-stream (it stopped, or dropped this PC). */
  receiveTimeoutSeconds: number;
  /** Where udp-receiver's own messages go (shipped with the task's logs). */
  logFile: string;
  /** The task's cancel: the receiver leaves the session (as `stop` does) when it aborts. */
  signal?: AbortSignal | undefined;
}

/**
 * udp-receiver for one stream: its data on stdout (no --file), never the keyboard. `stop` kills it if it is still
 * running, and resolves once it has exited.
 */
export function startUdpReceiver(options: UdpReceiverOptions): { stream: Readable; stop: () => Promise<void> } {
  const args = [
    '--nokbd',
    '--portbase',
    String(options.portbase),
    '--start-timeout',
    String(options.startTimeoutSeconds),
    '--receive-timeout',
    String(options.receiveTimeoutSeconds),
    ...(options.interface === null ? [] : ['--interface', options.interface]),
  ];
  const child = spawnTool('udp-receiver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`udp-receiver ${args.join(' ')}\n`);
  child.stderr?.pipe(log);
  // 'exit', not 'close': a stream nobody reads any more (a wrong stream, abandoned) never closes.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // Not installed, or not executable: the stream simply ends, and the file comes over HTTP.
    child.once('error', (error) => {
      log.write(`udp-receiver could not start: ${error.message}\n`);
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    // SIGINT is the one signal after which udp-receiver tells the sender it leaves; killed any other way, it holds
    // the whole room through the sender's retries. SIGKILL if it has not gone within 3 s.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(hard);
    }
    child.stdout?.destroy();
  };
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  return { stream: child.stdout as Readable, stop };
}
