// The secure-erase command sequences, against recorded tool outputs standing in for the NVMe and ATA drives this
// machine lacks: what is asked of the drive, in which order, and what is never sent when the drive refuses.
import { describe, expect, it } from 'vitest';
import type { Event } from '@brume/protocol';
import { BrumeError } from '@brume/protocol';
import { fakeRunner } from '../../../test/fixtures/inventory-tree.ts';
import { ATA_PASSWORD, prepareSecureErase, runSecureErase, type SecureTarget } from './secure-erase-run.ts';
import {
  HDPARM_SAMSUNG_FROZEN,
  HDPARM_SAMSUNG_READY,
  HDPARM_X25M_DISABLED,
  HDPARM_X25M_ENABLED,
  HDPARM_X25M_LOCKED,
  NVME_SN730,
  NVME_USER_DATA_ONLY,
  sanitizeLog,
} from '../../../test/fixtures/secure-erase-outputs.ts';

const nvme: SecureTarget = {
  path: '/dev/nvme0n1',
  transport: 'nvme',
  namespaces: ['nvme0n1'],
  sizeBytes: 256060514304,
};
const sata: SecureTarget = { path: '/dev/sda', transport: 'sata', namespaces: [], sizeBytes: 250059350016 };
const noWait = async (): Promise<void> => undefined;

function collect(): { events: Event[]; reporter: { event: (event: Event) => void } } {
  const events: Event[] = [];
  return { events, reporter: { event: (event) => events.push(event) } };
}

async function refusal(promise: Promise<unknown>): Promise<BrumeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof BrumeError)) throw new Error(`expected a BrumeError, got ${String(error)}`);
  return error;
}

/** hdparm whose -I answer follows the drive's state as the commands change it. */
function ataDrive(
  initial: string,
  onErase: 'ok' | 'fail' = 'ok',
): ReturnType<typeof fakeRunner> & { state: () => string } {
  let state = initial;
  const run = fakeRunner({
    hdparm: (args) => {
      if (args[0] === '-I') return { stdout: state };
      if (args.includes('--security-set-pass')) state = HDPARM_X25M_ENABLED;
      if (args.includes('--security-unlock')) {
        if (args.includes(ATA_PASSWORD)) state = HDPARM_X25M_ENABLED;
        else return { code: 5, stderr: 'SECURITY_UNLOCK: Input/output error' };
      }
      if (args.some((arg) => arg.startsWith('--security-erase'))) {
        if (onErase === 'fail') return { code: 5, stderr: 'SECURITY_ERASE: Input/output error' };
        state = HDPARM_X25M_DISABLED;
      }
      if (args.includes('--security-disable')) state = HDPARM_X25M_DISABLED;
      return {};
    },
  });
  return Object.assign(run, { state: () => state });
}

describe('NVMe', () => {
  it('sanitizes with crypto erase and follows the sanitize log to the end', async () => {
    const logs = [sanitizeLog(2, 16384), sanitizeLog(2, 49152), sanitizeLog(1, 65535)];
    const run = fakeRunner({
      nvme: (args) =>
        args[0] === 'id-ctrl'
          ? { stdout: JSON.stringify(NVME_SN730) }
          : args[0] === 'sanitize-log'
            ? { stdout: logs.shift() ?? '' }
            : {},
    });
    const plan = await prepareSecureErase(run, nvme);
    const { events, reporter } = collect();
    await runSecureErase(plan, nvme, { run, reporter, sleep: noWait });
    expect(run.calls).toEqual([
      'nvme id-ctrl /dev/nvme0n1 -o json',
      'nvme sanitize /dev/nvme0n1 --sanact=4',
      'nvme sanitize-log /dev/nvme0n1 -o json',
      'nvme sanitize-log /dev/nvme0n1 -o json',
      'nvme sanitize-log /dev/nvme0n1 -o json',
    ]);
    const progress = events.flatMap((event) => (event.type === 'progress' ? [event.bytesDone] : []));
    expect(progress).toEqual([nvme.sizeBytes / 4, (nvme.sizeBytes * 3) / 4, nvme.sizeBytes]);
  });

  it('stops waiting for a sanitize when the task is cancelled: the controller goes on by itself', async () => {
    const controller = new AbortController();
    const run = fakeRunner({
      nvme: (args) =>
        args[0] === 'id-ctrl'
          ? { stdout: JSON.stringify(NVME_SN730) }
          : args[0] === 'sanitize-log'
            ? { stdout: sanitizeLog(2, 16384) }
            : {},
    });
    const plan = await prepareSecureErase(run, nvme);
    const sleep = async (): Promise<void> =>
      void (run.calls.filter((call) => call.includes('sanitize-log')).length === 2 && controller.abort());
    const error = await refusal(runSecureErase(plan, nvme, { run, ...collect(), sleep, signal: controller.signal }));
    expect(error.code).toBe('TASK_CANCELLED');
    expect(error.message).toMatch(/the controller finishes it by itself/);
    expect(run.calls.filter((call) => call.includes('sanitize-log'))).toHaveLength(2);
  });

  it('reports a failed sanitize', async () => {
    const run = fakeRunner({
      nvme: (args) =>
        args[0] === 'id-ctrl'
          ? { stdout: JSON.stringify(NVME_SN730) }
          : args[0] === 'sanitize-log'
            ? { stdout: sanitizeLog(3, 0) }
            : {},
    });
    const error = await refusal(
      runSecureErase(await prepareSecureErase(run, nvme), nvme, { run, ...collect(), sleep: noWait }),
    );
    expect(error.detail).toMatchObject({ reason: 'secure-failed', sanitizeStatus: 3 });
    expect(error.message).toMatch(/failure mode/);
  });

  it('formats with user-data erase when that is all the controller has', async () => {
    const run = fakeRunner({
      nvme: (args) => (args[0] === 'id-ctrl' ? { stdout: JSON.stringify(NVME_USER_DATA_ONLY) } : {}),
    });
    await runSecureErase(await prepareSecureErase(run, nvme), nvme, { run, ...collect(), sleep: noWait });
    expect(run.calls).toEqual([
      'nvme id-ctrl /dev/nvme0n1 -o json',
      'nvme format /dev/nvme0n1 --ses=1 --force --timeout=14400000',
    ]);
  });
});

describe('ATA', () => {
  it('sets a temporary password, erases (enhanced), and checks security is off again', async () => {
    const run = ataDrive(HDPARM_SAMSUNG_READY);
    await runSecureErase(await prepareSecureErase(run, sata), sata, { run, ...collect() });
    expect(run.calls).toEqual([
      'hdparm -I /dev/sda',
      `hdparm --user-master u --security-set-pass ${ATA_PASSWORD} /dev/sda`,
      `hdparm --user-master u --security-erase-enhanced ${ATA_PASSWORD} /dev/sda`,
      'hdparm -I /dev/sda',
    ]);
  });

  it('refuses a frozen drive and sends it nothing else', async () => {
    const run = ataDrive(HDPARM_SAMSUNG_FROZEN);
    const error = await refusal(prepareSecureErase(run, sata));
    expect(error.detail).toMatchObject({ reason: 'secure-blocked' });
    expect(error.message).toMatch(/froze its security at boot/);
    expect(run.calls).toEqual(['hdparm -I /dev/sda']);
  });

  it('unlocks a drive an earlier run of ours left locked, and erases it with that password', async () => {
    const run = ataDrive(HDPARM_X25M_LOCKED);
    const plan = await prepareSecureErase(run, sata);
    expect(plan).toMatchObject({ family: 'ata', password: ATA_PASSWORD, setPassword: false });
    await runSecureErase(plan, sata, { run, ...collect() });
    expect(run.calls.filter((call) => !call.startsWith('hdparm -I'))).toEqual([
      `hdparm --user-master u --security-unlock ${ATA_PASSWORD} /dev/sda`,
      `hdparm --user-master u --security-erase-enhanced ${ATA_PASSWORD} /dev/sda`,
    ]);
  });

  it('refuses a drive locked by someone else after trying the known passwords once', async () => {
    const run = fakeRunner({ hdparm: (args) => (args[0] === '-I' ? { stdout: HDPARM_X25M_LOCKED } : { code: 5 }) });
    const error = await refusal(prepareSecureErase(run, sata));
    expect(error.message).toMatch(/locked with a password Brume does not know/);
    expect(run.calls.filter((call) => call.includes('--security-unlock'))).toHaveLength(3);
  });

  it('on a failed erase, removes its password again and says how to unlock by hand', async () => {
    const run = ataDrive(HDPARM_SAMSUNG_READY, 'fail');
    const error = await refusal(runSecureErase(await prepareSecureErase(run, sata), sata, { run, ...collect() }));
    expect(error.detail).toMatchObject({ reason: 'secure-failed', password: ATA_PASSWORD });
    expect(error.message).toContain(`--security-unlock ${ATA_PASSWORD} /dev/sda`);
    expect(run.calls.at(-1)).toBe(`hdparm --user-master u --security-disable ${ATA_PASSWORD} /dev/sda`);
  });
});

describe('disks with no secure erase', () => {
  it.each([
    [
      'a loop device',
      { ...sata, path: '/dev/loop3', transport: 'loop' },
      /a loop disk has neither NVMe sanitize\/format nor ATA security erase/,
    ],
    ['a USB disk', { ...sata, transport: 'usb' }, /behind a USB bridge/],
  ] as const)('%s is refused before any tool runs', async (_name, target, message) => {
    const run = fakeRunner({});
    const error = await refusal(prepareSecureErase(run, target));
    expect(error.detail).toMatchObject({ reason: 'secure-unsupported' });
    expect(error.message).toMatch(message);
    expect(run.calls).toEqual([]);
  });
  it('a SATA disk whose hdparm -I fails (no ATA behind it) is unsupported', async () => {
    const error = await refusal(
      prepareSecureErase(fakeRunner({ hdparm: { code: 25, stderr: 'SG_IO: bad/missing sense data' } }), sata),
    );
    expect(error.detail).toMatchObject({ reason: 'secure-unsupported' });
  });
});
