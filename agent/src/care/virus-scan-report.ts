/** One file clamscan flagged: its path inside the scanned filesystem ("/Users/x/a.exe") and the signature's name. */
export interface Finding {
  path: string;
  signature: string;
}

/** What one `clamscan -r --infected --stdout` run printed, parsed. */
export interface ClamscanReport {
  findings: Finding[];
  /** From the SCAN SUMMARY; undefined when clamscan printed none (it stopped before scanning). */
  knownSignatures: number | undefined;
  files: number | undefined;
  /**
   * "Data read" of the summary: the bytes of the files scanned, as clamscan counts them (in MiB with two decimals, so
   * to about 10 KiB); undefined when it printed no summary.
   */
  bytesRead: number | undefined;
  infected: number | undefined;
  /** Files it could not read ("Total errors", absent when 0). */
  errors: number;
  /** Lines that are neither a finding nor the summary (ERROR:/WARNING: lines), for the result's message. */
  messages: string[];
}

const SUMMARY = '----------- SCAN SUMMARY -----------';
const FOUND = /^([\s\S]*): (\S+) FOUND$/;
const TOOL_LINE = /^(ERROR|WARNING|LibClamAV [A-Za-z]+):/;

/**
 * Parses clamscan's output. Paths are printed as given under `root` (the mount point) and come back relative to the
 * filesystem's root, with a leading "/". A file name holding a newline is printed across two lines: a line that is
 * neither a finding nor a tool message is joined to the finding that follows it.
 */
export function parseClamscan(stdout: string, root: string): ClamscanReport {
  const at = stdout.indexOf(SUMMARY);
  const body = at < 0 ? stdout : stdout.slice(0, at);
  const summary = at < 0 ? undefined : stdout.slice(at + SUMMARY.length);
  const findings: Finding[] = [];
  const messages: string[] = [];
  let pending: string[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    if (TOOL_LINE.test(line)) {
      messages.push(...pending, line);
      pending = [];
      continue;
    }
    const match = FOUND.exec([...pending, line].join('\n'));
    if (match?.[1] === undefined || match[2] === undefined) {
      pending.push(line);
      continue;
    }
    findings.push({ path: relativeTo(root, match[1]), signature: match[2] });
    pending = [];
  }
  messages.push(...pending);
  return {
    findings,
    knownSignatures: summaryNumber(summary, 'Known viruses'),
    files: summaryNumber(summary, 'Scanned files'),
    bytesRead: summaryMebibytes(summary, 'Data read'),
    infected: summaryNumber(summary, 'Infected files'),
    errors: summaryNumber(summary, 'Total errors') ?? 0,
    messages,
  };
}

function summaryNumber(summary: string | undefined, key: string): number | undefined {
  if (summary === undefined) return undefined;
  const match = new RegExp(`^${key}: (\\d+)$`, 'm').exec(summary);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** clamscan prints "Data read: 2.86 MB" for 2.86 MiB (its blocks are counted in units of 1024 × 1024 bytes). */
function summaryMebibytes(summary: string | undefined, key: string): number | undefined {
  if (summary === undefined) return undefined;
  const match = new RegExp(`^${key}: (\\d+(?:\\.\\d+)?) MB\\b`, 'm').exec(summary);
  return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) * 1024 * 1024);
}

function relativeTo(root: string, path: string): string {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  if (path === base) return '/';
  return path.startsWith(`${base}/`) ? path.slice(base.length) : path;
}
