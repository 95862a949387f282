// Answers one line at a time for the plain adapter. readline emits every line of a chunk at once, and a pipe (the
// tests, a scripted console) delivers many lines in one chunk: lines that arrive before their question is asked are
// queued, never dropped. On a terminal, secret answers are not echoed.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { ReadStream } from 'node:tty';

/** The input ended (EOF on a pipe, the serial line hung up): nobody is left to answer. */
export class TerminalInputClosed extends Error {
  constructor() {
    super('the terminal input ended: no one can answer');
    this.name = 'TerminalInputClosed';
  }
}

export interface LineReader {
  /** Writes the prompt, resolves with the next line; rejects with TerminalInputClosed at end of input. */
  ask(prompt: string, options?: { secret?: boolean }): Promise<string>;
  /** Lets other code use the terminal (cooked mode, input not read), then takes it back. */
  pause(): void;
  resume(): void;
  close(): void;
}

interface Waiter {
  resolve: (line: string) => void;
  reject: (error: Error) => void;
}

export function createLineReader(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): LineReader {
  const tty = (input as Partial<ReadStream>).isTTY === true;
  // On a terminal readline echoes what is typed through its output: this gate is how a secret stays off the screen.
  let muted = false;
  const echo = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!muted) output.write(chunk);
      done();
    },
  });
  const lines = createInterface({ input, output: echo, terminal: tty });
  const queued: string[] = [];
  const waiting: Waiter[] = [];
  let ended = false;

  lines.on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter === undefined) queued.push(line);
    else waiter.resolve(line);
  });
  lines.on('close', () => {
    ended = true;
    for (const waiter of waiting.splice(0)) waiter.reject(new TerminalInputClosed());
  });

  const nextLine = (): Promise<string> => {
    const line = queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (ended) return Promise.reject(new TerminalInputClosed());
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };

  const setRawMode = (raw: boolean): void => {
    const terminal = input as Partial<ReadStream>;
    if (tty && terminal.setRawMode !== undefined) terminal.setRawMode(raw);
  };

  return {
    async ask(prompt, { secret = false } = {}) {
      if (ended) {
        // The lines a pipe sent before it ended are still answers; readline itself refuses to prompt once closed.
        output.write(prompt);
      } else {
        // readline writes the prompt, so that on a terminal it redraws it along with the line being edited.
        lines.setPrompt(prompt);
        lines.prompt();
      }
      muted = secret && tty;
      try {
        return await nextLine();
      } finally {
        // A muted Enter was not echoed either; from a pipe nothing is echoed at all: end the prompt's line ourselves,
        // so what follows starts on a line of its own.
        if (muted || !tty) output.write('\n');
        muted = false;
      }
    },
    pause() {
      if (ended) return;
      lines.pause();
      setRawMode(false);
    },
    resume() {
      if (ended) return;
      setRawMode(true);
      lines.resume();
    },
    close() {
      lines.close();
    },
  };
}
