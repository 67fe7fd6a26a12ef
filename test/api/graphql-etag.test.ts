import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';

/**
 * GET GraphQL is an HTTP-cacheable read (a CDN or nginx cache in front of N replicas serves repeats): an
 * ETag named after the data versions, 304 on If-None-Match while nothing was written, a new ETag after a
 * write; every answer names its version (X-Data-Version), a mutation's answer the version including it.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await seed(server.app.db, {
    settlements: [aSettlement({ name: 'Norrby', lon: 15, lat: 60, population: 1200 })],
    servicePoints: [aServicePoint({ name: 'Norrby livs', lon: 15, lat: 60.01 })],
  });
});
afterAll(() => server?.close());

const get = (headers: Record<string, string> = {}) =>
  fetch(`${server.url}/graphql?query=${encodeURIComponent('{ servicePoints(first: 5) { totalCount } }')}`, {
    headers: { 'apollo-require-preflight': 'true', ...headers },
  });

describe('GET GraphQL caching by data version', () => {
  it('answers If-None-Match with 304 until a write changes the ETag', async () => {
    const first = await get();
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"g\d+\.\d+-[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    expect(
      ((await first.json()) as { data: { servicePoints: { totalCount: number } } }).data.servicePoints
        .totalCount,
    ).toBe(1);
    const version = Number(first.headers.get('x-data-version'));

    const again = await get({ 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);

    const write = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-writer' },
      body: JSON.stringify({
        query: `mutation { createServicePoint(input: { name: "Ny", serviceTypes: [GROCERY],
          location: { lon: 15, lat: 60.2 }, municipalityCode: "2085" }) { errors { code } } }`,
      }),
    });
    expect(write.headers.get('cache-control')).toBe('no-store');
    const written = Number(write.headers.get('x-data-version'));
    expect(written).toBeGreaterThan(version);

    const after = await get({ 'if-none-match': etag!, 'x-min-version': String(written) });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(Number(after.headers.get('x-data-version'))).toBeGreaterThanOrEqual(written);
    expect(
      ((await after.json()) as { data: { servicePoints: { totalCount: number } } }).data.servicePoints
        .totalCount,
    ).toBe(2);
  });

  it('marks a keyed GET answer private (never for a shared cache)', async () => {
    const res = await get({ authorization: 'Bearer test-writer' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=0, must-revalidate');
    expect(res.headers.get('etag')).not.toBe((await get()).headers.get('etag'));
  });

  it('keeps POST answers out of HTTP caches', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ servicePoints(first: 1) { totalCount } }' }),
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
    expect(Number(res.headers.get('x-data-version'))).toBeGreaterThan(0);
  });
});
