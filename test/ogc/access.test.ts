import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeKey } from '../../src/modules/keys/api-key.service.js';
import { startServer } from '../../src/server.js';
import { backend, testConfig, TEST_KEY_SECRET } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { fetchOnce } from './fixture.js';

/** The OGC routes take the same keys (SERVICEATLAS_READ_AUTH=key) and rate limits as /graphql. */
describe(`OGC API keys and rate limits (${backend})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    // A generous time budget: the machines running the suite are shared and often loaded.
    server = await startTestServer({
      config: { limits: { ...testConfig().limits, requestTimeoutMs: 120_000 } },
    });
  });
  afterAll(async () => server?.close());

  it('with SERVICEATLAS_READ_AUTH=key: 401 OGC exception without a valid key, 200 with one', async () => {
    const reader = await createApiKey(server.app.db, TEST_KEY_SECRET, {
      role: 'reader',
      municipalityCodes: [],
      countyCodes: [],
      name: 'r',
    });
    const revoked = await createApiKey(server.app.db, TEST_KEY_SECRET, {
      role: 'reader',
      municipalityCodes: [],
      countyCodes: [],
      name: 'x',
    });
    await revokeKey(server.app.db, revoked.key.id);
    const closed = await startServer({
      app: server.app,
      config: { ...server.app.config, readAuth: 'key' },
      port: 0,
    });
    try {
      const ask = (token?: string) =>
        fetchOnce(`${closed.url}/ogc/collections`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      const anonymous = await ask();
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await anonymous.json()) as { code: string; error: { code: string } };
      expect(body.code).toBe('Unauthenticated');
      expect(body.error.code).toBe('UNAUTHENTICATED');
      expect((await ask(revoked.token)).status).toBe(401);
      expect((await ask(reader.token)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });

  it('rate-limits per IP like /graphql (429 with Retry-After)', async () => {
    const limited = await startServer({
      app: server.app,
      config: {
        ...server.app.config,
        limits: { ...server.app.config.limits, rateLimitPerIp: 1, rateBurstPerIp: 2 },
      },
      port: 0,
    });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 6; i++) {
        const r = await fetchOnce(`${limited.url}/ogc/conformance`);
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
        await r.text();
      }
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses).toContain(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});
