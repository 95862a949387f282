import { BrumeError } from '@brume/protocol';
import { describe, expect, it } from 'vitest';
import { untilAborted, UploadsInFlight } from './uploads-in-flight.ts';

const range = (index: number, offset: number, bytes = 100) => ({ file: 'd1p1.pc.zst', index, offset, bytes });

describe('uploads in flight', () => {
  it('aborts a stale upload of the same chunk, and its end leaves the newer one registered', () => {
    const uploads = new UploadsInFlight();
    const stale = uploads.begin(1, range(0, 0));
    const fresh = uploads.begin(1, range(0, 0));
    expect(stale.signal.aborted).toBe(true);
    expect(stale.signal.reason).toMatchObject({ code: 'CHUNK_CONFLICT' });
    stale.end();
    expect(uploads.count(1)).toBe(1);
    expect(fresh.signal.aborted).toBe(false);
    fresh.end();
    expect(uploads.count(1)).toBe(0);
  });

  it('refuses a chunk overlapping another in flight, not one beside it or in another file or task', () => {
    const uploads = new UploadsInFlight();
    uploads.begin(1, range(0, 0));
    expect(() => uploads.begin(1, range(1, 50))).toThrow(expect.objectContaining({ code: 'CHUNK_CONFLICT' }));
    expect(() => uploads.begin(1, range(1, 100))).not.toThrow();
    expect(() => uploads.begin(1, { ...range(2, 0), file: 'd1p2.pc.zst' })).not.toThrow();
    expect(() => uploads.begin(2, range(0, 0))).not.toThrow();
  });

  it('aborts every upload of a task at once, and only that task', () => {
    const uploads = new UploadsInFlight();
    const a = uploads.begin(1, range(0, 0));
    const b = uploads.begin(1, range(1, 100));
    const other = uploads.begin(2, range(0, 0));
    uploads.abortTask(1, new BrumeError('TASK_CANCELLED', 'cancelled'));
    expect([a.signal.aborted, b.signal.aborted, other.signal.aborted]).toEqual([true, true, false]);
    expect(uploads.count(1)).toBe(0);
  });

  it('makes a reader waiting on a body that never sends again fail as soon as it is aborted', async () => {
    const silent: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined) }),
    };
    const controller = new AbortController();
    const reading = (async () => {
      for await (const piece of untilAborted(silent, controller.signal)) void piece;
    })();
    controller.abort(new BrumeError('TASK_CANCELLED', 'cancelled'));
    await expect(reading).rejects.toMatchObject({ code: 'TASK_CANCELLED' });
  });
});
