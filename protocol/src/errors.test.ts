import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BrumeError, toBrumeError } from './brume-error.ts';
import { errorCodes, errorTable } from './errors.ts';

describe('error codes', () => {
  it('docs/errors.md documents exactly the codes of the table', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^## ([A-Z_]+)$/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...errorCodes].sort());
  });

  it('bad input exits 2 and is never retryable; job failures exit 1', () => {
    for (const code of errorCodes) {
      const { exit, retryable } = errorTable[code];
      if (exit === 2) expect(retryable, code).toBe(false);
    }
    expect(new BrumeError('DISK_TOO_SMALL', 'x').exitCode).toBe(2);
    expect(new BrumeError('CHUNK_CORRUPT', 'x').exitCode).toBe(1);
  });

  it('wraps foreign errors as INTERNAL and keeps the cause', () => {
    const cause = new TypeError('boom');
    const wrapped = toBrumeError(cause);
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.cause).toBe(cause);
    expect(toBrumeError(wrapped)).toBe(wrapped);
  });
});
