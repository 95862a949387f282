import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, openHarness, type Harness } from '../../../test/fakes/server-harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('/metrics access', () => {
  it('takes the admin token by default: no token and a wrong one are refused', async () => {
    const harness = (h = await openHarness());
    expect((await harness.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await harness.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(
      401,
    );
    const scraped = await harness.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain('# TYPE brume_tasks gauge');
  });

  it('is open with --metrics-auth none', async () => {
    const harness = (h = await openHarness(undefined, true, { metricsAuth: 'none' }));
    const scraped = await harness.app.inject({ url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toMatch(/^brume_images 0$/m);
  });
});
