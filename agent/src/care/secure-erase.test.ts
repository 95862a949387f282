import { describe, expect, it } from 'vitest';
import {
  chooseNvmeErase,
  decideAtaErase,
  eraseFamily,
  parseAtaSecurity,
  parseNvmeIdCtrl,
  parseSanitizeLog,
  type AtaContext,
} from './secure-erase.ts';
import {
  HDPARM_NO_SECURITY,
  HDPARM_SAMSUNG_FROZEN,
  HDPARM_SAMSUNG_READY,
  HDPARM_WD5000AAKS,
  HDPARM_X25M_DISABLED,
  HDPARM_X25M_ENABLED,
  HDPARM_X25M_EXPIRED,
  HDPARM_X25M_LOCKED,
  NVME_BLOCK_ERASE_ONLY,
  NVME_FORMAT_ONLY,
  NVME_NOTHING,
  NVME_SN730,
  NVME_USER_DATA_ONLY,
  SANITIZE_LOG_V1_DONE,
  sanitizeLog,
} from '../../../test/fixtures/secure-erase-outputs.ts';

const fresh: AtaContext = { unlockTried: false, passwordKnown: false };

describe('hdparm -I security block', () => {
  it.each([
    [
      'WD5000AAKS (spaces, as posted)',
      HDPARM_WD5000AAKS,
      {
        supported: true,
        enabled: false,
        locked: false,
        frozen: false,
        expired: false,
        enhancedErase: false,
        eraseMinutes: 122,
      },
    ],
    [
      'Samsung SSD, frozen (tabs)',
      HDPARM_SAMSUNG_FROZEN,
      {
        supported: true,
        enabled: false,
        locked: false,
        frozen: true,
        expired: false,
        enhancedErase: true,
        eraseMinutes: 2,
        enhancedEraseMinutes: 8,
      },
    ],
    [
      'X25-M with a password set',
      HDPARM_X25M_ENABLED,
      {
        supported: true,
        enabled: true,
        locked: false,
        frozen: false,
        expired: false,
        enhancedErase: true,
        eraseMinutes: 2,
        enhancedEraseMinutes: 2,
      },
    ],
    [
      'X25-M locked',
      HDPARM_X25M_LOCKED,
      { supported: true, enabled: true, locked: true, frozen: false, expired: false, enhancedErase: true },
    ],
  ])('%s', (_name, text, expected) => {
    expect(parseAtaSecurity(text)).toMatchObject(expected);
  });

  it('is undefined without a Security block', () => {
    expect(parseAtaSecurity(HDPARM_NO_SECURITY)).toBeUndefined();
    expect(parseAtaSecurity('')).toBeUndefined();
  });
});

describe('ATA erase decisions (the checks Ironic Python Agent makes)', () => {
  it('erases a supported, unfrozen drive with a temporary password, normal erase when enhanced is missing', () => {
    expect(decideAtaErase(parseAtaSecurity(HDPARM_WD5000AAKS), fresh)).toEqual({
      step: 'erase',
      method: 'ata-erase',
      setPassword: true,
      estimateSeconds: 122 * 60,
    });
  });
  it('prefers enhanced erase and its own estimate', () => {
    expect(decideAtaErase(parseAtaSecurity(HDPARM_SAMSUNG_READY), fresh)).toEqual({
      step: 'erase',
      method: 'ata-erase-enhanced',
      setPassword: true,
      estimateSeconds: 8 * 60,
    });
  });
  it('refuses a frozen drive, saying how to unfreeze it', () => {
    const decision = decideAtaErase(parseAtaSecurity(HDPARM_SAMSUNG_FROZEN), fresh);
    expect(decision).toMatchObject({ step: 'refuse', blocked: true });
    expect(decision.step === 'refuse' && decision.reason).toMatch(/suspend the PC and wake it/);
  });
  it('refuses a drive without the security feature set as unsupported, not blocked', () => {
    expect(decideAtaErase(parseAtaSecurity(HDPARM_NO_SECURITY), fresh)).toMatchObject({
      step: 'refuse',
      blocked: false,
    });
  });
  it('tries to unlock a locked drive once, then refuses', () => {
    expect(decideAtaErase(parseAtaSecurity(HDPARM_X25M_LOCKED), fresh)).toEqual({ step: 'unlock' });
    expect(
      decideAtaErase(parseAtaSecurity(HDPARM_X25M_LOCKED), { unlockTried: true, passwordKnown: false }),
    ).toMatchObject({ step: 'refuse', blocked: true });
  });
  it('refuses a password it does not know, erases with one it does (no new password then)', () => {
    expect(decideAtaErase(parseAtaSecurity(HDPARM_X25M_ENABLED), fresh)).toMatchObject({
      step: 'refuse',
      reason: expect.stringMatching(/user password is set/),
    });
    expect(
      decideAtaErase(parseAtaSecurity(HDPARM_X25M_ENABLED), { unlockTried: true, passwordKnown: true }),
    ).toMatchObject({ step: 'erase', setPassword: false });
  });
  it('refuses an expired security count before trying any password', () => {
    expect(decideAtaErase(parseAtaSecurity(HDPARM_X25M_EXPIRED), fresh)).toMatchObject({
      step: 'refuse',
      reason: expect.stringMatching(/power it off and on/),
    });
  });
  it('reads a finished erase as security disabled', () => {
    expect(parseAtaSecurity(HDPARM_X25M_DISABLED)).toMatchObject({ enabled: false, locked: false });
  });
});

describe('nvme id-ctrl decisions', () => {
  const parse = (fields: object) => {
    const controller = parseNvmeIdCtrl(JSON.stringify(fields));
    if (controller === undefined) throw new Error('fixture did not parse');
    return controller;
  };
  it.each([
    ['SN730: sanitize crypto erase', NVME_SN730, 'nvme-sanitize-crypto', ['sanitize', '/dev/nvme0n1', '--sanact=4']],
    ['block erase only', NVME_BLOCK_ERASE_ONLY, 'nvme-sanitize-block', ['sanitize', '/dev/nvme0n1', '--sanact=2']],
    [
      'no sanitize, crypto format',
      NVME_FORMAT_ONLY,
      'nvme-format-crypto',
      ['format', '/dev/nvme0n1', '--ses=2', '--force', '--timeout=14400000'],
    ],
    [
      'no sanitize, user-data format',
      NVME_USER_DATA_ONLY,
      'nvme-format-user-data',
      ['format', '/dev/nvme0n1', '--ses=1', '--force', '--timeout=14400000'],
    ],
  ])('%s', (_name, fields, method, args) => {
    expect(chooseNvmeErase(parse(fields), '/dev/nvme0n1', ['nvme0n1'])).toEqual({ supported: true, method, args });
  });

  it('gives a clear reason when the controller offers neither', () => {
    const choice = chooseNvmeErase(parse(NVME_NOTHING), '/dev/nvme0n1', ['nvme0n1']);
    expect(choice).toMatchObject({ supported: false, blocked: false });
    expect(!choice.supported && choice.reason).toMatch(
      /WDC PC SN730 .* neither sanitize \(SANICAP 0x0\) nor Format NVM \(OACS 0x0\)/,
    );
  });
  it('does not sanitize when other namespaces share the subsystem; formats this namespace alone', () => {
    expect(chooseNvmeErase(parse(NVME_USER_DATA_ONLY), '/dev/nvme0n1', ['nvme0n1', 'nvme0n2'])).toMatchObject({
      supported: true,
      method: 'nvme-format-user-data',
    });
    expect(chooseNvmeErase(parse({ ...NVME_SN730, fna: 4 }), '/dev/nvme0n1', ['nvme0n1', 'nvme0n2'])).toMatchObject({
      method: 'nvme-format-crypto',
    });
  });
  it('refuses when even format would reach every namespace', () => {
    const choice = chooseNvmeErase(parse({ ...NVME_SN730, fna: 0b110 }), '/dev/nvme0n1', ['nvme0n1', 'nvme0n2']);
    expect(!choice.supported && choice.reason).toMatch(/erases every namespace .* nvme0n1, nvme0n2/);
  });
  it('rejects output that is not id-ctrl JSON', () => {
    expect(parseNvmeIdCtrl('NVMe status: INVALID_FIELD')).toBeUndefined();
    expect(parseNvmeIdCtrl('{"vid": 1}')).toBeUndefined();
  });
});

describe('nvme sanitize-log', () => {
  it.each([
    ['2.x in progress', sanitizeLog(2, 32768), { status: 2, progress: 32768 }],
    ['2.x done', sanitizeLog(1, 65535), { status: 1, progress: 65535 }],
    ['2.x failed', sanitizeLog(3, 0), { status: 3, progress: 0 }],
    ['1.x numeric sstat', SANITIZE_LOG_V1_DONE, { status: 1, progress: 65535 }],
  ])('%s', (_name, text, expected) => {
    expect(parseSanitizeLog(text)).toEqual(expected);
  });
  it('is undefined for anything else', () => {
    expect(parseSanitizeLog('{}')).toBeUndefined();
    expect(parseSanitizeLog('not json')).toBeUndefined();
  });
});

describe('which family of erase a transport reaches', () => {
  it.each([
    ['nvme', 'nvme'],
    ['sata', 'ata'],
    ['scsi', 'ata'],
  ] as const)('%s → %s', (transport, family) => expect(eraseFamily(transport)).toBe(family));
  it.each(['usb', 'virtio', 'loop', 'mmc'] as const)('%s has none', (transport) => {
    expect(eraseFamily(transport)).toMatchObject({ supported: false, blocked: false });
  });
});
