import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { BrumeError } from '@brume/protocol';
import { PortBusyError, type FileSend, type Sender, type SendOutcome } from './session-runner.ts';

/** Beyond the session's wait: a file nobody came for is given up (its PCs, if any arrive later, take it over HTTP). */
const START_TIMEOUT_MARGIN_SECONDS = 30;
/** REQACKs unanswered before a receiver is dropped: a PC that crashed must not hold the room for long. */
const RETRIES_UNTIL_DROP = 30;

/** udp-sender's arguments for one stream on its stdin. Pure. */
export function udpSenderArgs(send: Pick<FileSend, 'session' | 'settings' | 'interface' | 'minReceivers'>): string[] {
  const { settings } = send;
  return [
    '--nokbd',
    '--portbase',
    String(settings.portbase),
    '--min-receivers',
    String(send.minReceivers),
    '--max-wait',
    String(settings.maxWaitSeconds),
    '--start-timeout',
    String(settings.maxWaitSeconds + START_TIMEOUT_MARGIN_SECONDS),
    '--retries-until-drop',
    String(RETRIES_UNTIL_DROP),
    // Every PC of a room on the same stream, even when only one has come: the others may join the next file.
    '--nopointopoint',
    ...(settings.maxBitrate === null ? [] : ['--max-bitrate', settings.maxBitrate]),
    ...(settings.fec === null ? [] : ['--fec', settings.fec]),
    ...(send.interface === null ? [] : ['--interface', send.interface]),
    // A group of its own per session: derived from the server's address, every session would share one.
    '--mcast-data-address',
    sessionGroup(send.session),
  ];
}

/** 239.255.0.0/16 is the site-local scope (RFC 2365): one address per session id. */
export const sessionGroup = (session: number): string => `239.255.${(session >> 8) & 255}.${session & 255}`;

/** What udp-sender's messages say so far. Pure: fed one line at a time. */
export class SenderLog {
  connected = 0;
  participants: number | undefined;
  dropped = 0;
  complete = false;
  /** Another sender holds the ports (another session given the same portbase, or another imaging server). */
  portBusy = false;
  readonly tail: string[] = [];

  line(text: string): void {
    this.tail.push(text);
    if (this.tail.length > 20) this.tail.shift();
    if (/^New connection from /.test(text)) this.connected += 1;
    else if (/^Disconnecting #/.test(text)) this.connected = Math.max(0, this.connected - 1);
    // Debian's 20120424 says only "Starting transfer: 00000009"; newer ones name the participants. Receivers that
    // disconnect when the transfer is over must not count against it.
    if (/^Starting transfer:/.test(text))
      this.participants = Number(/participants\[(\d+)\]/.exec(text)?.[1] ?? this.connected);
    if (/^Dropping client #/.test(text)) this.dropped += 1;
    if (/^Transfer complete\./.test(text)) this.complete = true;
    if (/Address already in use/.test(text)) this.portBusy = true;
  }
}

/**
 * Whether another process holds the session's ports. Checked before udp-sender starts: a udp-sender that fails on its
 * second port has held the first for a moment, long enough to answer a PC that then waits on a dead sender.
 */
export async function portsFree(portbase: number): Promise<boolean> {
  const bindOne = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, () => socket.close(() => resolve(true)));
    });
  return (await bindOne(portbase)) && (await bindOne(portbase + 1));
}

/** The real Sender: udp-sender reading the stream from its stdin; killed when the session is cancelled. */
export const udpcastSender: Sender = async (send) => {
  if (!(await portsFree(send.settings.portbase))) {
    send.stream.destroy();
    throw new PortBusyError(send.settings.portbase);
  }
  return runUdpSender(send);
};

function runUdpSender(send: FileSend): Promise<SendOutcome> {
  return new Promise<SendOutcome>((resolve, reject) => {
    const child = spawn('udp-sender', udpSenderArgs(send), {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const log = new SenderLog();
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (data: string) => {
      const lines = (pending + data).split(/\r|\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const before = { connected: log.connected, started: log.participants !== undefined };
        log.line(line.trim());
        if (log.connected !== before.connected) send.onReceivers?.(log.connected);
        if (!before.started && log.participants !== undefined) send.onStarted?.();
        if (/^Broadcasting control to /.test(line.trim())) send.onReady?.();
      }
    });
    // udp-sender exits (nobody came, killed) while the stream is still being written: that is its answer, not a crash.
    child.stdin.on('error', () => undefined);
    send.stream.on('error', (error) => {
      child.kill('SIGKILL');
      reject(error);
    });
    send.stream.pipe(child.stdin);
    // SIGINT: udp-sender ignores SIGTERM until its file is sent; SIGKILL if it does not go.
    const onAbort = (): void => {
      child.kill('SIGINT');
      setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 3000).unref();
    };
    send.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) =>
      reject(new BrumeError('TOOL_FAILED', `udp-sender could not start: ${error.message}`)),
    );
    child.once('close', (code, signal) => {
      send.signal.removeEventListener('abort', onAbort);
      send.stream.unpipe(child.stdin);
      send.stream.destroy();
      // Exit 0 is not success: Debian's udp-sender also exits 0 when nobody came before its start timeout.
      if (code === 0 && log.complete && log.participants !== undefined)
        resolve({ receivers: log.participants ?? log.connected, dropped: log.dropped });
      else if (log.portBusy) reject(new PortBusyError(send.settings.portbase));
      else
        reject(
          new BrumeError(
            'TOOL_FAILED',
            `udp-sender ${signal === null ? `exited with ${code}` : `was killed (${signal})`}: ${log.tail.slice(-3).join(' / ') || 'no message'}`,
          ),
        );
    });
  });
}
