import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogFile } from '@brume/protocol';
import { collectLogs, systemStateLogs, tailCapped } from './log-bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'brume-logs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tailCapped', () => {
  it('keeps short logs whole', () => expect(tailCapped('abc\n', 10)).toBe('abc\n'));
  it('keeps the tail, where the failure is, and says what was cut', () => {
    const log = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join('');
    const capped = tailCapped(log, 200);
    expect(capped.length).toBe(200);
    expect(capped).toMatch(/^\[… \d+ characters cut; the tail follows\]\n/);
    expect(capped.endsWith('line 999\n')).toBe(true);
  });
});

describe('collectLogs', () => {
  it('ships agent.log first, then the extras, then the rest by name; each capped; odd names left out', async () => {
    const sub = mkdtempSync(join(dir, 'run-'));
    writeFileSync(join(sub, 'd1p2.capture.log'), 'x'.repeat(5000) + 'END');
    writeFileSync(join(sub, 'agent.log'), '{"type":"phase"}\n');
    writeFileSync(join(sub, 'a1.capture.log'), 'short');
    writeFileSync(join(sub, '.hidden'), 'no');
    const logs = await collectLogs(sub, [{ name: 'disk.sfdisk.txt', content: 'label: gpt\n' }], {
      perFile: 1000,
      total: 10_000,
      files: 64,
    });
    expect(logs.map((file) => file.name)).toEqual([
      'agent.log',
      'disk.sfdisk.txt',
      'a1.capture.log',
      'd1p2.capture.log',
    ]);
    const partclone = logs.find((file) => file.name === 'd1p2.capture.log');
    expect(partclone?.content.length).toBe(1000);
    expect(partclone?.content.endsWith('END')).toBe(true);
    for (const file of logs) expect(LogFile.safeParse(file).success).toBe(true);
  });

  it('keeps the bundle within its total and file count', async () => {
    const sub = mkdtempSync(join(dir, 'many-'));
    for (let i = 0; i < 80; i++) writeFileSync(join(sub, `f${String(i).padStart(2, '0')}.log`), 'y'.repeat(300));
    const logs = await collectLogs(sub, [], { perFile: 1000, total: 3000, files: 64 });
    expect(logs.reduce((sum, file) => sum + file.content.length, 0)).toBeLessThanOrEqual(3000);
    expect(logs.length).toBe(10);
    const all = await collectLogs(sub, [], { perFile: 1000, total: 1_000_000, files: 64 });
    expect(all.length).toBe(64);
  });

  it('an absent log directory is an empty bundle, not a failure', async () => {
    expect(await collectLogs(join(dir, 'nowhere'), [])).toEqual([]);
  });
});

describe('systemStateLogs', () => {
  it('ships dmesg and lsblk as JSON; a command that fails leaves a line, not a failed bundle', async () => {
    const run = async (command: string, args: readonly string[]) => {
      if (command === 'dmesg') throw new Error('dmesg: read kernel buffer failed: Operation not permitted');
      return { stdout: JSON.stringify({ blockdevices: [], args }), stderr: '', code: 0 };
    };
    const [dmesg, lsblk] = await systemStateLogs(run);
    expect(dmesg).toEqual({
      name: 'dmesg.txt',
      content: 'dmesg failed: dmesg: read kernel buffer failed: Operation not permitted\n',
    });
    expect(lsblk?.name).toBe('lsblk.json');
    expect(JSON.parse(lsblk?.content ?? '').args).toContain('-J');
  });
});
