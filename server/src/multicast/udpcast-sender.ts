import { spawn } from 'node:child_process';
import { BrumeError } from '@brume/protocol';
import { PortBusyError, type FileSend, type Sender, type SendOutcome } from './session-runner.ts';

/** Beyond the session's wait: a file nobody came for is given up (its PCs, if any arrive later, take it over HTTP). */
const START_TIMEOUT_MARGIN_SECONDS = 30;
/** REQACKs unanswered before a receiver is dropped: a PC that crashed must not hold the room for long. */
const RETRIES_UNTIL_DROP = 30;

/** udp-sender's arguments for one stream on its stdin. Pure. */
export function udpSenderArgs(send: Pick<FileSend, 'settings' | 'interface' | 'minReceivers'>): string[] {
  const { settings } = send;
  return [
    '--nokbd', '--portbase', String(settings.portbase),
    '--min-receivers', String(send.minReceivers), '--max-wait', String(settings.maxWaitSeconds),
    '--start-timeout', String(settings.maxWaitSeconds + START_TIMEOUT_MARGIN_SECONDS),
    '--retries-until-drop', String(RETRIES_UNTIL_DROP),
    // Every PC of a room on the same stream, even when only one has come: the others may join the next file.
    '--nopointopoint',
    ...(settings.maxBitrate === null ? [] : ['--max-bitrate', settings.maxBitrate]),
    ...(settings.fec === null ? [] : ['--fec', settings.fec]),
    ...(send.interface === null ? [] : ['--interface', send.interface]),
  ];
}

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
    if (/^Starting transfer:/.test(text)) this.participants = Number(/participants\[(\d+)\]/.exec(text)?.[1] ?? this.connected);
    if (/^Dropping client #/.test(text)) this.dropped += 1;
    if (/^Transfer complete\./.test(text)) this.complete = true;
    if (/Address already in use/.test(text)) this.portBusy = true;
  }
}

/** The real Sender: udp-sender reading the stream from its stdin; killed when the session is cancelled. */
export const udpcastSender: Sender = (send) =>
  new Promise<SendOutcome>((resolve, reject) => {
    const child = spawn('udp-sender', udpSenderArgs(send), { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
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
      }
    });
    // udp-sender exits (nobody came, killed) while the stream is still being written: that is its answer, not a crash.
    child.stdin.on('error', () => undefined);
    send.stream.on('error', (error) => child.kill('SIGTERM') && reject(error));
    send.stream.pipe(child.stdin);
    const onAbort = (): void => void child.kill('SIGTERM');
    send.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => reject(new BrumeError('TOOL_FAILED', `udp-sender could not start: ${error.message}`)));
    child.once('close', (code, signal) => {
      send.signal.removeEventListener('abort', onAbort);
      send.stream.unpipe(child.stdin);
      send.stream.destroy();
      if (code === 0 && log.complete) resolve({ receivers: log.participants ?? log.connected, dropped: log.dropped });
      else if (log.portBusy) reject(new PortBusyError(send.settings.portbase));
      else reject(new BrumeError('TOOL_FAILED', `udp-sender ${signal === null ? `exited with ${code}` : `was killed (${signal})`}: ${log.tail.slice(-3).join(' / ') || 'no message'}`));
    });
  });
