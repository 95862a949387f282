import rangeParser from 'range-parser';

/** What a download is planned from: the file's size and its sha256, its strong ETag (the bytes never change under it). */
export interface DownloadableFile {
  bytes: number;
  sha256: string;
}

/** An inclusive byte range. */
export interface DownloadRange {
  start: number;
  end: number;
}

export interface DownloadRequest {
  range: string | undefined;
  ifNoneMatch: string | undefined;
  ifRange: string | undefined;
}

export interface DownloadPlan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The inclusive byte range to stream; null: the whole file, or no body (304, 416). */
  range: DownloadRange | null;
  body: boolean;
}

/** The file's ETag: its sha256, strong (the bytes never change under a name). */
export const etagOf = (file: DownloadableFile): string => `"${file.sha256}"`;

function matchesAny(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

/**
 * How to answer a GET or HEAD of a stored file (RFC 9110): 304 when If-None-Match holds its ETag; one satisfiable
 * range → 206; a range past the end → 416; several ranges, a malformed Range or an If-Range for other bytes → the
 * whole file.
 */
export function planDownload(file: DownloadableFile, request: DownloadRequest): DownloadPlan {
  const etag = etagOf(file);
  const common = { etag, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' };
  if (request.ifNoneMatch !== undefined && matchesAny(request.ifNoneMatch, etag)) {
    return { status: 304, headers: common, range: null, body: false };
  }
  const whole: DownloadPlan = {
    status: 200,
    headers: { ...common, 'content-length': String(file.bytes) },
    range: null,
    body: true,
  };
  if (request.range === undefined) return whole;
  if (request.ifRange !== undefined && request.ifRange.trim() !== etag) return whole;
  const ranges = rangeParser(file.bytes, request.range, { combine: true });
  if (ranges === -1) {
    return { status: 416, headers: { ...common, 'content-range': `bytes */${file.bytes}` }, range: null, body: false };
  }
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return whole;
  const [{ start, end }] = ranges as unknown as [DownloadRange];
  return {
    status: 206,
    headers: {
      ...common,
      'content-length': String(end - start + 1),
      'content-range': `bytes ${start}-${end}/${file.bytes}`,
    },
    range: { start, end },
    body: true,
  };
}
