/** Where a command writes: stdout for results, stderr for errors; `tty` is stdout when progress bars can be drawn on it. */
export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  readonly tty: NodeJS.WriteStream | undefined;
}

export function processTerminal(): Terminal {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    tty: process.stdout.isTTY === true ? process.stdout : undefined,
  };
}

/** `--json`: the server's document, as it sent it, one document per command. */
export function jsonDocument(body: unknown): string {
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Local time, to the second, sortable: 2026-03-05 14:03:12. */
export function formatDate(iso: string | null): string {
  if (iso === null) return '-';
  const date = new Date(iso);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Seconds between two timestamps; an open end means "until now". */
export function elapsedSeconds(startIso: string, endIso: string | null, now: Date = new Date()): number {
  const end = endIso === null ? now.getTime() : Date.parse(endIso);
  return (end - Date.parse(startIso)) / 1000;
}

export function percent(done: number, total: number): string {
  if (total <= 0) return '-';
  return `${Math.min(100, Math.floor((done / total) * 100))}%`;
}

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly align?: 'left' | 'right';
}

/** An aligned table with a header line; the last column is not padded, so no line ends in spaces. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map((column) => column.header),
    ...rows.map((row) => columns.map((column) => column.value(row))),
  ];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => (line[index] ?? '').length)));
  const render = (line: string[]): string =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        if (columns[index]?.align === 'right') return cell.padStart(width);
        return index === line.length - 1 ? cell : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return `${cells.map(render).join('\n')}\n`;
}

/** A key: value block with the values aligned; a value on several lines keeps the alignment. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length)) + 1;
  return pairs
    .map(([key, value]) => `${`${key}:`.padEnd(width)} ${value.split('\n').join(`\n${' '.repeat(width + 1)}`)}`)
    .join('\n')
    .concat('\n');
}
