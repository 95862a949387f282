import { describe, expect, it } from 'vitest';
import { allowedHostNames, checkHost, hostName } from './host-check.ts';

describe('the Host header check', () => {
  const allowed = allowedHostNames(
    { listen: { host: '0.0.0.0', port: 8080 }, publicUrl: 'http://brume.school.lan:8080', allowedHosts: ['imaging'] },
    'srv-7.school.lan',
  );

  it.each([
    '10.0.0.5:8080',
    '[fe80::1]:8080',
    'localhost:8080',
    'brume.school.lan:8080',
    'BRUME.SCHOOL.LAN',
    'imaging',
    'srv-7:8080',
    'srv-7.school.lan',
    undefined,
  ])('serves %s', (host) => {
    expect(() => checkHost(host, allowed)).not.toThrow();
  });

  it.each(['evil.example', 'brume.school.lan.evil.example:8080', 'imaging.evil'])(
    'refuses %s with HOST_NOT_ALLOWED',
    (host) => {
      expect(() => checkHost(host, allowed)).toThrow(expect.objectContaining({ code: 'HOST_NOT_ALLOWED' }));
    },
  );

  it('reads the name out of a Host header', () => {
    expect([hostName('[::1]:80'), hostName('a.b:1'), hostName('A.B')]).toEqual(['::1', 'a.b', 'a.b']);
  });
});
