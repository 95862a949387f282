import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { DashboardSession } from '../dashboard-sessions.ts';
import { checkRole, checkSameOrigin } from './dashboard-auth.ts';

const session = (role: DashboardSession['role']): DashboardSession => ({
  role,
  name: role === 'admin' ? 'admin' : 'tina',
  expiresAtMs: 0,
  bearer: 'bd_x',
});
const allowed = (role: DashboardSession['role'], method: string, route: string): boolean => {
  try {
    checkRole(session(role), method, route);
    return true;
  } catch {
    return false;
  }
};

describe('what a dashboard session may do', () => {
  it.each([
    ['GET', '/hosts', true],
    ['GET', '/tasks/:id', true],
    ['GET', '/techs', false],
    ['POST', '/tasks', true],
    ['POST', '/tasks/batch', true],
    ['POST', '/tasks/:id/cancel', true],
    ['POST', '/multicast', true],
    ['POST', '/images/:name/verify', true],
    ['DELETE', '/images/:name', false],
    ['POST', '/hosts', false],
    ['DELETE', '/hosts/:name', false],
    ['POST', '/groups', false],
    ['POST', '/techs', false],
    ['POST', '/techs/pins', false],
  ])('a technician %s %s: %s', (method, route, expected) => {
    expect(allowed('technician', method, route)).toBe(expected);
    expect(allowed('admin', method, route)).toBe(true);
  });
});

describe('the same-origin check of a cookie request that changes something', () => {
  const request = (headers: Record<string, string>): FastifyRequest =>
    ({ headers: { host: 'brume.lan:8080', ...headers } }) as unknown as FastifyRequest;
  const refusal = (headers: Record<string, string>, publicUrl: string | null = null): string | null => {
    try {
      checkSameOrigin(request(headers), publicUrl);
      return null;
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it('accepts the server’s own origin, by Host or by the public URL', () => {
    expect(refusal({ origin: 'http://brume.lan:8080', 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(refusal({ origin: 'https://imaging.example.org' }, 'https://imaging.example.org/')).toBeNull();
  });

  it.each([
    [{}],
    [{ origin: 'http://evil.example' }],
    [{ origin: 'http://brume.lan:8081' }],
    [{ origin: 'null' }],
    [{ origin: 'http://brume.lan:8080', 'sec-fetch-site': 'cross-site' }],
  ])('refuses %j', (headers) => {
    expect(refusal(headers)).toBe('FORBIDDEN');
  });
});
