import { describe, expect, it } from 'vitest';
import { planDownload } from './downloads.ts';

const file = { name: 'd1p1.pc.zst', bytes: 1000, sha256: 'a'.repeat(64) };
const etag = `"${'a'.repeat(64)}"`;
const plan = (headers: { range?: string; ifNoneMatch?: string; ifRange?: string }) =>
  planDownload(file, { range: headers.range, ifNoneMatch: headers.ifNoneMatch, ifRange: headers.ifRange });

describe('planDownload', () => {
  it.each([
    [{}, 200, null],
    [{ range: 'bytes=0-99' }, 206, { start: 0, end: 99 }],
    [{ range: 'bytes=900-' }, 206, { start: 900, end: 999 }],
    [{ range: 'bytes=-10' }, 206, { start: 990, end: 999 }],
    [{ range: 'bytes=990-5000' }, 206, { start: 990, end: 999 }],
    [{ range: 'bytes=0-9,5-20' }, 206, { start: 0, end: 20 }],
    [{ range: 'bytes=0-9,100-200' }, 200, null],
    [{ range: 'bytes=1000-' }, 416, null],
    [{ range: 'garbage' }, 200, null],
    [{ range: 'items=0-1' }, 200, null],
    [{ ifNoneMatch: etag }, 304, null],
    [{ ifNoneMatch: `W/${etag}, "x"` }, 304, null],
    [{ ifNoneMatch: '*' }, 304, null],
    [{ ifNoneMatch: '"other"' }, 200, null],
    [{ range: 'bytes=0-9', ifRange: etag }, 206, { start: 0, end: 9 }],
    [{ range: 'bytes=0-9', ifRange: '"other"' }, 200, null],
    [{ range: 'bytes=0-9', ifRange: 'Wed, 21 Oct 2015 07:28:00 GMT' }, 200, null],
  ])('%j → %i', (headers, status, range) => {
    const answer = plan(headers);
    expect(answer.status).toBe(status);
    expect(answer.range).toEqual(range);
    expect(answer.headers['etag']).toBe(etag);
  });

  it('gives lengths and ranges in its headers', () => {
    expect(plan({ range: 'bytes=10-19' }).headers).toMatchObject({
      'content-length': '10',
      'content-range': 'bytes 10-19/1000',
      'accept-ranges': 'bytes',
    });
    expect(plan({}).headers['content-length']).toBe('1000');
    expect(plan({ range: 'bytes=2000-' }).headers['content-range']).toBe('bytes */1000');
  });
});
