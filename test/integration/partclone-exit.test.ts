// partclone's progress thread used to hold every partclone exit for up to 2 s (one `-f` period) after its work was
// done. The agent runs it with `-f 0` and a coarse timer slack on all its threads, so the thread neither holds the
// exit nor spins. This checks both on a real partclone, held mid-stream so that its progress thread exists.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { partcloneCapture, partcloneCaptureInto } from '../../agent/src/imaging/partclone.ts';
import { PROGRESS_THREAD_SLACK_NS } from '../../agent/src/sys/timer-slack.ts';
import { tool } from '../support/tools.ts';

const work = mkdtempSync(join(tmpdir(), 'brume-partclone-exit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const threadsOf = (pid: number): string[] => {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
};
const slackOf = (tid: string): number => Number(readFileSync(`/proc/${tid}/timerslack_ns`, 'utf8'));

it('runs partclone with -f 0 and a coarse timer slack on every thread, and its stream is complete', async () => {
  const image = join(work, 'fs.img');
  await tool('truncate', ['-s', '48M', image]);
  await tool('mkfs.ext4', ['-q', '-F', image]);
  // partclone.dd streams the whole 48 MiB: far more than a socket holds, so it blocks mid-stream until it is read.
  const run = partcloneCapture('partclone.dd', image, join(work, 'capture.log'));
  run.stream.pause();
  const pid = run.pid;
  if (pid === undefined) throw new Error('partclone did not start');

  let threads: string[] = [];
  for (let waited = 0; waited < 20_000; waited += 50) {
    threads = threadsOf(pid);
    if (threads.length >= 2 && threads.every((tid) => slackOf(tid) === PROGRESS_THREAD_SLACK_NS)) break;
    await sleep(50);
  }
  expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['-f', '0']));
  expect(threads.length).toBeGreaterThanOrEqual(2);
  expect(threads.map(slackOf)).toEqual(threads.map(() => PROGRESS_THREAD_SLACK_NS));

  let bytes = 0;
  run.stream.on('data', (piece: Buffer) => void (bytes += piece.byteLength));
  run.stream.resume();
  await run.done;
  expect(bytes).toBe(48 * 1024 * 1024);
});

it("reads partclone straight into the caller's buffer through a named pipe that leaves nothing behind", async () => {
  const image = join(work, 'raw.img');
  await tool('dd', ['if=/dev/urandom', `of=${image}`, 'bs=1M', 'count=12', 'status=none']);
  const fifoDir = join(work, 'fifo');
  await tool('mkdir', ['-p', fifoDir]);
  const run = partcloneCaptureInto('partclone.dd', image, join(work, 'into.log'), fifoDir);
  const into = new Uint8Array(16 * 1024 * 1024);
  let filled = 0;
  for (let bytes = -1; bytes !== 0; filled += bytes)
    bytes = await run.stream.readInto(into, filled, into.byteLength - filled);
  await run.done;
  const expected = createHash('sha256')
    .update(await readFile(image))
    .digest('hex');
  expect(filled).toBe(12 * 1024 * 1024);
  expect(createHash('sha256').update(into.subarray(0, filled)).digest('hex')).toBe(expected);
  expect(readdirSync(fifoDir)).toEqual([]);
});
