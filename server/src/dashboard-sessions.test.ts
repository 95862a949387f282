import { describe, expect, it } from 'vitest';
import { tokenDigest } from './auth.ts';
import { DashboardSessions } from './dashboard-sessions.ts';

describe('dashboard sessions', () => {
  it('find a session by its id until it expires, and its bearer with it', () => {
    let now = 1_000;
    const sessions = new DashboardSessions(() => now, 60_000);
    const { id, session } = sessions.open('technician', 'tina');
    expect(sessions.find(id)).toMatchObject({ role: 'technician', name: 'tina', expiresAtMs: 61_000 });
    expect(sessions.bearerIsLive(tokenDigest(session.bearer))).toBe(true);
    expect(sessions.find('someone-else')).toBeUndefined();
    expect(sessions.find(undefined)).toBeUndefined();
    now = 61_000;
    expect(sessions.bearerIsLive(tokenDigest(session.bearer))).toBe(false);
    expect(sessions.find(id)).toBeUndefined();
  });

  it('close on logout: the bearer dies and the close listeners hear it once', () => {
    const sessions = new DashboardSessions(() => 0);
    const { id, session } = sessions.open('admin', 'admin');
    const other = sessions.open('admin', 'admin');
    const heard: string[] = [];
    sessions.onClose(id, () => heard.push('stream 1'));
    const stop = sessions.onClose(id, () => heard.push('stream 2'));
    stop();
    expect(sessions.close(id)).toBe(true);
    expect(sessions.close(id)).toBe(false);
    expect(heard).toEqual(['stream 1']);
    expect(sessions.bearerIsLive(tokenDigest(session.bearer))).toBe(false);
    expect(sessions.find(other.id)).toBeDefined();
  });

  it('an expired session found on the way is closed, and its listeners hear it', () => {
    let now = 0;
    const sessions = new DashboardSessions(() => now, 10);
    const { id } = sessions.open('admin', 'admin');
    let closed = 0;
    sessions.onClose(id, () => (closed += 1));
    now = 20;
    sessions.open('admin', 'admin');
    expect(closed).toBe(1);
  });
});
