import { describe, expect, it } from 'vitest';
import { magicPacket, subnetBroadcast } from './wake-on-lan.ts';

describe('magic packet', () => {
  it('is six 0xFF bytes, then the MAC sixteen times', () => {
    const packet = magicPacket('52:54:00:AB:cd:01');
    expect(packet.length).toBe(102);
    expect(packet.subarray(0, 6).toString('hex')).toBe('ffffffffffff');
    for (let copy = 0; copy < 16; copy++)
      expect(packet.subarray(6 + copy * 6, 12 + copy * 6).toString('hex')).toBe('525400abcd01');
  });

  it('refuses what is not a MAC', () => {
    expect(() => magicPacket('52:54:00:ab:cd')).toThrow(/not a MAC/);
  });
});

describe('subnet broadcast', () => {
  it.each([
    ['10.81.0.11/24', '10.81.0.255'],
    ['192.168.1.77/16', '192.168.255.255'],
    ['172.16.5.9/20', '172.16.15.255'],
    ['10.0.0.1/8', '10.255.255.255'],
    ['192.168.1.130/25', '192.168.1.255'],
    ['192.168.1.30/25', '192.168.1.127'],
    ['10.1.1.1/30', '10.1.1.3'],
    ['10.1.1.1/31', null],
    ['10.1.1.1/32', null],
    ['not an address', null],
  ])('%s → %s', (cidr, broadcast) => {
    expect(subnetBroadcast(cidr)).toBe(broadcast);
  });
});
