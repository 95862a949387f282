import { spawn } from 'node:child_process';

export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ToolOptions {
  /** Exit codes besides 0 that are not failures (the caller reads `code`). */
  okCodes?: readonly number[];
  /** Written to the tool's stdin, which is then closed. */
  input?: string | Buffer;
  env?: Record<string, string>;
}

/** The C locale (tools' output gets parsed) and mtools' "is this really a FAT partition" check switched off. */
function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C', LANG: 'C', MTOOLS_SKIP_CHECK: '1', ...extra };
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a tool to completion with an argument vector (never a shell string). Rejects with the command line, the exit
 * code and the end of stderr in the message unless the exit code is 0 or listed in `okCodes`.
 */
export function tool(command: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: toolEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // a tool that exits without reading its input
    child.stdin.end(options.input);
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}`, { cause: error })));
    child.on('close', (code, signal) => {
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: code ?? -1,
      };
      if (result.code === 0 || options.okCodes?.includes(result.code)) {
        resolve(result);
        return;
      }
      const why = signal === null ? `exit ${result.code}` : `signal ${signal}`;
      const said = tail(result.stderr || result.stdout, 8);
      reject(new Error(`${command} ${args.join(' ')} failed (${why})${said === '' ? '' : `:\n${said}`}`));
    });
  });
}
