import { describe, expect, it } from 'vitest';
import { checkHostNamePattern, nameForNewHost } from './host-names.ts';

const facts = { macs: ['52:54:00:ab:cd:ef', '52:54:00:00:00:01'], serial: 'SN 12/34_X' };
const none = async (): Promise<boolean> => false;

describe('host names for quick registration', () => {
  it('fills {mac} with the first MAC and {serial} with the cleaned serial', async () => {
    expect(await nameForNewHost('pc-{mac}', facts, none)).toBe('pc-525400abcdef');
    expect(await nameForNewHost('Lab2 {serial}', facts, none)).toBe('lab2-sn-12-34-x');
  });

  it('numbers {nnn} from 1, skipping names in use', async () => {
    const taken = new Set(['lab2-001', 'lab2-002']);
    expect(await nameForNewHost('lab2-{nnn}', facts, async (name) => taken.has(name))).toBe('lab2-003');
  });

  it('suffixes -2 when a pattern without a number gives a name in use', async () => {
    expect(await nameForNewHost('pc-{mac}', facts, async (name) => name === 'pc-525400abcdef')).toBe(
      'pc-525400abcdef-2',
    );
  });

  it('uses the MAC when the PC has no serial', async () => {
    expect(await nameForNewHost('{serial}', { macs: facts.macs, serial: null }, none)).toBe('525400abcdef');
  });

  it('refuses a pattern with an unknown token or no valid name', () => {
    expect(() => checkHostNamePattern('pc-{hostname}')).toThrow(/unknown \{hostname\}/);
    expect(() => checkHostNamePattern('---')).toThrow(/no valid host name/);
    expect(checkHostNamePattern('lab-{nn}')).toBe('lab-{nn}');
  });
});
