import { Task } from '@brume/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeImage } from '../../test/fixtures/fake-image.ts';
import { captureImage, newTask, openHarness, putChunk, type Harness } from '../../test/fakes/server-harness.ts';
import { sampleDeployResult } from '../../test/fixtures/sample-results.ts';
import { bearerToken, newTaskToken, tokenDigest } from './auth.ts';

const event = { type: 'phase', ts: '2026-01-01T00:00:00.000Z', phase: 'restore', message: 'writing' };

describe('authorization', () => {
  let h: Harness;
  let deployA: { id: number; token: string };
  let deployB: { id: number; token: string };
  let capture: { id: number; token: string };
  beforeAll(async () => {
    h = await openHarness();
    await captureImage(h, fakeImage('image-a'));
    await captureImage(h, fakeImage('image-b'));
    deployA = await newTask(h, 'deploy', 'image-a');
    deployB = await newTask(h, 'deploy', 'image-b');
    capture = await newTask(h, 'capture', 'image-c');
  });
  afterAll(async () => h.close());

  const expectError = async (
    response: Promise<{ statusCode: number; json: () => { error: { code: string; message: string } } }>,
    status: number,
    code: string,
  ) => {
    const answer = await response;
    expect(answer.statusCode).toBe(status);
    expect(answer.json().error.code).toBe(code);
    return answer.json().error;
  };

  it('needs no token for health and the OpenAPI document', async () => {
    expect((await h.call('GET', '/health', { token: null })).statusCode).toBe(200);
    expect((await h.call('GET', '/openapi.json', { token: null })).statusCode).toBe(200);
  });

  it('answers 401 without a token or with an unknown one', async () => {
    await expectError(h.call('GET', '/hosts', { token: null }), 401, 'UNAUTHORIZED');
    await expectError(h.call('GET', '/hosts', { token: 'not-a-token' }), 401, 'UNAUTHORIZED');
    await expectError(
      h.call('GET', '/hosts', { token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } }),
      401,
      'UNAUTHORIZED',
    );
    await expectError(h.call('GET', `/agent/tasks/${deployA.id}`, { token: null }), 401, 'UNAUTHORIZED');
    await expectError(
      h.call('GET', `/agent/tasks/${deployA.id}`, { token: newTaskToken().token }),
      401,
      'UNAUTHORIZED',
    );
    await expectError(h.call('GET', '/images/image-a/manifest', { token: 'x' }), 401, 'UNAUTHORIZED');
  });

  it('answers 403 for a task token on an admin route, and for the admin token on an agent route', async () => {
    for (const path of ['/hosts', '/images', '/tasks', `/tasks/${deployA.id}`, `/tasks/${deployA.id}/logs`]) {
      await expectError(h.call('GET', path, { token: deployA.token }), 403, 'FORBIDDEN');
    }
    await expectError(h.call('POST', `/tasks/${deployA.id}/cancel`, { token: deployA.token }), 403, 'FORBIDDEN');
    await expectError(h.call('GET', `/agent/tasks/${deployA.id}`), 403, 'FORBIDDEN');
  });

  it('answers 403 for the token of another task', async () => {
    await expectError(h.call('GET', `/agent/tasks/${deployA.id}`, { token: deployB.token }), 403, 'FORBIDDEN');
    await expectError(
      h.call('POST', `/tasks/${deployA.id}/events`, { token: deployB.token, body: { events: [event] } }),
      403,
      'FORBIDDEN',
    );
    await expectError(h.call('GET', `/uploads/${capture.id}`, { token: deployA.token }), 403, 'FORBIDDEN');
    await expectError(h.call('GET', `/agent/tasks/99999`, { token: deployB.token }), 403, 'FORBIDDEN');
  });

  it('lets a deploy token read only its own image; a capture token reads none', async () => {
    expect((await h.call('GET', '/images/image-a/manifest', { token: deployA.token })).statusCode).toBe(200);
    expect((await h.call('GET', '/images/image-a/files/d1.boot', { token: deployA.token })).statusCode).toBe(200);
    await expectError(h.call('GET', '/images/image-b/manifest', { token: deployA.token }), 403, 'FORBIDDEN');
    await expectError(h.call('GET', '/images/image-b/files/d1.boot', { token: deployA.token }), 403, 'FORBIDDEN');
    await expectError(h.call('GET', '/images/image-a/manifest', { token: capture.token }), 403, 'FORBIDDEN');
    expect((await h.call('GET', '/images/image-b/manifest')).statusCode).toBe(200);
  });

  it('keeps uploads to capture tasks', async () => {
    const chunk = fakeImage('image-a').chunks[0]!;
    await expectError(putChunk(h, deployA.id, deployA.token, chunk), 403, 'FORBIDDEN');
    await expectError(
      h.call('POST', `/uploads/${deployA.id}/commit`, {
        token: deployA.token,
        body: { manifest: fakeImage('image-a').manifest },
      }),
      403,
      'FORBIDDEN',
    );
  });

  it('answers 401 for the token of a task that ended, naming its state', async () => {
    const task = await newTask(h, 'deploy', 'image-a');
    expect((await h.call('POST', `/tasks/${task.id}/cancel`)).statusCode).toBe(200);
    const error = await expectError(
      h.call('GET', `/agent/tasks/${task.id}`, { token: task.token }),
      401,
      'UNAUTHORIZED',
    );
    expect(error.message).toMatch(/ended.*cancelled/);
    await expectError(
      h.call('POST', `/tasks/${task.id}/events`, { token: task.token, body: { events: [event] } }),
      401,
      'UNAUTHORIZED',
    );
    await expectError(h.call('GET', '/images/image-a/manifest', { token: task.token }), 401, 'UNAUTHORIZED');
    await expectError(h.call('GET', `/agent/tasks/${deployA.id}`, { token: task.token }), 401, 'UNAUTHORIZED');
  });

  it('takes a repeated complete or fail as a retry, anything else after the end as a stale token', async () => {
    const task = await newTask(h, 'deploy', 'image-b');
    const body = { result: sampleDeployResult({ image: 'image-b' }), logs: [{ name: 'agent.log', content: 'ok' }] };
    const first = await h.call('POST', `/tasks/${task.id}/complete`, { token: task.token, body });
    expect(first.statusCode).toBe(200);
    expect(Task.parse(first.json())).toMatchObject({
      state: 'done',
      result: { disk: '/dev/sda' },
      logFiles: ['agent.log'],
    });
    const again = await h.call('POST', `/tasks/${task.id}/complete`, { token: task.token, body });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    await expectError(
      h.call('POST', `/tasks/${task.id}/fail`, {
        token: task.token,
        body: { error: { code: 'TOOL_FAILED', message: 'x' } },
      }),
      401,
      'UNAUTHORIZED',
    );
    await expectError(
      h.call('POST', `/tasks/${task.id}/events`, { token: task.token, body: { events: [event] } }),
      409,
      'TASK_STATE',
    );

    const failing = await newTask(h, 'deploy', 'image-b');
    const failBody = { error: { code: 'TOOL_FAILED', message: 'partclone exited 1' }, logs: [] };
    expect(
      (await h.call('POST', `/tasks/${failing.id}/fail`, { token: failing.token, body: failBody })).json(),
    ).toMatchObject({ state: 'failed', error: failBody.error });
    expect(
      (await h.call('POST', `/tasks/${failing.id}/fail`, { token: failing.token, body: failBody })).statusCode,
    ).toBe(200);
    await expectError(
      h.call('POST', `/tasks/${failing.id}/complete`, { token: failing.token, body: {} }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('tokens', () => {
  it('makes task tokens of 256 random bits, stored as sha256', () => {
    const { token, tokenHash } = newTaskToken();
    expect(token).toMatch(/^bt_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(3), 'base64url')).toHaveLength(32);
    expect(tokenHash).toBe(tokenDigest(token).toString('hex'));
    expect(newTaskToken().token).not.toBe(token);
  });

  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
