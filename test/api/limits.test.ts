import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitsConfig } from '../../src/config.js';
import { heavyQueueFor } from '../../src/limits/heavy-queue.js';
import { testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { GraphQLResponse, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Work-priced limits over real HTTP: every probe finding (aliases, root fields, work of scenarios, site
 * suggestions and polygons, coverage-layer size, body and response size, time budget, heavy queue, rate
 * limits) refused with a code and extensions naming the limit, its maximum and the value.
 */
const limits = (o: Partial<LimitsConfig>): LimitsConfig => ({
  ...testConfig().limits,
  rateLimitPerIp: 0,
  rateLimitPerKey: 0,
  ...o,
});

/** n settlements and m points on a grid around (15, 60). */
function grid(n: number, m: number) {
  const settlements = Array.from({ length: n }, (_, i) =>
    aSettlement({ lon: 14 + (i % 20) * 0.1, lat: 59.5 + Math.floor(i / 20) * 0.05, population: 100 + i }),
  );
  const servicePoints = Array.from({ length: m }, (_, i) =>
    aServicePoint({
      lon: 14.05 + (i % 30) * 0.07,
      lat: 59.5 + Math.floor(i / 30) * 0.04,
      serviceTypes: i % 2 ? ['GROCERY', 'POST'] : ['GROCERY'],
    }),
  );
  return { settlements, servicePoints };
}

async function openPointIds(server: TestServer): Promise<string[]> {
  const r = await server.gql<{ servicePoints: { nodes: { id: string }[] } }>(
    '{ servicePoints(first: 500) { nodes { id } } }',
  );
  return r.data!.servicePoints.nodes.map((n) => n.id);
}

function refusal(r: GraphQLResponse) {
  expect(r.data ?? null).toBeNull();
  expect(r.errors).toHaveLength(1);
  return r.errors![0]!;
}

const SCENARIO =
  'query($ids: [ID!]) { evaluateScenario(changes: { closeServicePointIds: $ids }) { populationLosingAccess } }';

describe('work-priced limits (small limits, 200 settlements, 300 points)', () => {
  let server: TestServer;
  let ids: string[];
  beforeAll(async () => {
    server = await startTestServer({
      config: { limits: limits({ maxWork: 200_000, maxResponseBytes: 30_000 }) },
    });
    await seed(server.app.db, grid(200, 300));
    ids = await openPointIds(server);
  });
  afterAll(() => server.close());

  it('prices a scenario by the points it closes: closing every open point is refused, closing five is not', async () => {
    expect(ids).toHaveLength(300);
    const all = refusal(await server.gql(SCENARIO, { ids }));
    expect(all.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxWork', max: 200_000 });
    expect(all.extensions!.actual as number).toBeGreaterThan(200_000);
    expect(all.message).toContain('maxWork');
    const few = await server.gql<{ evaluateScenario: { populationLosingAccess: number } }>(SCENARIO, {
      ids: ids.slice(0, 5),
    });
    expect(few.errors).toBeUndefined();
    expect(few.data!.evaluateScenario.populationLosingAccess).toBeGreaterThanOrEqual(0);
  });

  it('refuses 4,990 aliases by the alias limit before running any of them, and /healthz stays up', async () => {
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: travelModel { speedKmh }`).join(' ')} }`;
    const many = refusal(await server.gql(aliases(4990)));
    expect(many.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxAliases',
      max: 30,
      actual: 4990,
    });
    const justOver = refusal(await server.gql(aliases(31)));
    expect(justOver.extensions).toMatchObject({ limit: 'maxAliases', actual: 31 });
    expect((await server.gql(aliases(20))).errors).toBeUndefined();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses more root fields than maxRootFields', async () => {
    const q = `{ ${Array.from({ length: 21 }, (_, i) => `r${i}: serviceTypes { code }`).join(' ')} }`;
    const e = refusal(await server.gql(q));
    expect(e.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxRootFields',
      max: 20,
      actual: 21,
    });
  });

  it('prices coverageLayer by the features it returns and refuses an answer over maxResponseBytes before building it', async () => {
    const e = refusal(await server.gql('{ coverageLayer(serviceType: GROCERY, include: [SETTLEMENTS]) }'));
    expect(e.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxResponseBytes', max: 30_000 });
    // A small box fits.
    const small = await server.gql<{ coverageLayer: { features: unknown[] } }>(
      '{ coverageLayer(serviceType: GROCERY, bbox: { minLon: 14, minLat: 59.5, maxLon: 14.25, maxLat: 59.5 }) }',
    );
    expect(small.errors).toBeUndefined();
    expect(small.data!.coverageLayer.features.length).toBe(3);
  });

  it('prices siteSuggestions by its candidates: 10,000 candidates are refused', async () => {
    const candidates = Array.from({ length: 10_000 }, (_, i) => ({
      lon: 14 + (i % 100) * 0.02,
      lat: 59 + Math.floor(i / 100) * 0.02,
    }));
    const e = refusal(
      await server.gql(
        'query($c: [PointInput!]) { siteSuggestions(serviceTypes: [GROCERY], count: 3, candidates: $c) { method } }',
        { c: candidates },
      ),
    );
    expect(e.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxWork' });
    const few = await server.gql(
      'query($c: [PointInput!]) { siteSuggestions(serviceTypes: [GROCERY], count: 2, candidates: $c) { method } }',
      { c: candidates.slice(0, 50) },
    );
    expect(few.errors).toBeUndefined();
  });

  it('prices an area polygon by its vertices: 15 aliases of a 10,000-vertex polygon are refused', async () => {
    const ring: number[][] = [];
    for (let i = 0; i < 10_000; i++) {
      const a = (2 * Math.PI * i) / 10_000;
      ring.push([15 + Math.cos(a), 60 + 0.5 * Math.sin(a)]);
    }
    ring.push(ring[0]!);
    const q = `query($p: JSON) { ${Array.from({ length: 15 }, (_, i) => `d${i}: serviceDeserts(serviceType: GROCERY, area: { polygon: $p }, first: 1) { totalCount }`).join(' ')} }`;
    const e = refusal(await server.gql(q, { p: { type: 'Polygon', coordinates: [ring] } }));
    expect(e.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'maxWork' });
  });

  it('refuses a body over maxBodyBytes with 413 naming the limit', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ serviceTypes { code } }',
        variables: { pad: 'x'.repeat(3 * 1024 * 1024) },
      }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({ limit: 'maxBodyBytes', max: 2 * 1024 * 1024 });
  });

  it('refuses a response over maxResponseBytes with a clear error instead of the body', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ settlements(first: 200) { nodes { id name kind population location municipalityCode countyCode } } }',
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxResponseBytes',
      max: 30_000,
    });
    expect(body.errors[0]!.extensions.actual as number).toBeGreaterThan(30_000);
  });
});

describe('time budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A budget spent before the first resolver runs (pricing alone loads the snapshot).
    server = await startTestServer({ config: { limits: limits({ requestTimeoutMs: 1 }) } });
    await seed(server.app.db, grid(20, 10));
  });
  afterAll(() => server.close());

  it('stops a request past its budget with TIMEOUT naming requestTimeoutMs', async () => {
    const r = await server.gql('{ gapAnalysis(first: 5) { totalCount } }');
    const e = r.errors![0]!;
    expect(e.extensions).toMatchObject({ code: 'TIMEOUT', limit: 'requestTimeoutMs', max: 1 });
    expect(e.message).toContain('requestTimeoutMs');
  });
});

describe('the heavy-analysis queue', () => {
  let server: TestServer;
  const queueLimits = limits({ heavyConcurrency: 1, heavyQueue: 0 });
  beforeAll(async () => {
    server = await startTestServer({ config: { limits: queueLimits } });
    await seed(server.app.db, grid(400, 100));
  });
  afterAll(() => server.close());

  it('answers SERVER_BUSY with HTTP 429 and Retry-After while the slots are taken and the queue is full', async () => {
    const heavy = '{ gapAnalysis(first: 1) { totalCount } }';
    const light = '{ serviceTypes { code } }';
    // Another analysis holds the only slot (the queue is the server's: the same limits object).
    const release = await heavyQueueFor(queueLimits).acquire();
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: heavy }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await res.json()) as GraphQLResponse;
      expect(body.errors![0]!.extensions).toMatchObject({ code: 'SERVER_BUSY', limit: 'heavyQueue', max: 0 });
      expect(body.errors![0]!.message).toContain('heavyQueue');
      // Light reads are not queued.
      expect((await server.gql(light)).errors).toBeUndefined();
    } finally {
      release();
    }
    const after = await server.gql<{ gapAnalysis: { totalCount: number } }>(heavy);
    expect(after.errors).toBeUndefined();
    expect(after.data!.gapAnalysis.totalCount).toBeGreaterThan(0);
  });

  it('frees the slot after each request, so requests one after another all get it', async () => {
    for (let i = 0; i < 3; i++)
      expect((await server.gql('{ gapAnalysis(first: 1) { totalCount } }')).errors).toBeUndefined();
    expect(heavyQueueFor(queueLimits).stats).toEqual({ running: 0, waiting: 0 });
  });
});

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        limits: limits({
          rateLimitPerIp: 0.01,
          rateBurstPerIp: 3,
          rateLimitPerKey: 0.01,
          rateBurstPerKey: 5,
        }),
      },
    });
  });
  afterAll(() => server.close());

  it('limits anonymous clients per IP and write-token holders per token, with 429 RATE_LIMITED and Retry-After', async () => {
    const q = '{ serviceTypes { code } }';
    for (let i = 0; i < 3; i++) expect((await server.gql(q)).status).toBe(200);
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: q }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'rateLimitPerIp',
      max: 0.01,
    });
    // An unknown token is anonymous (random tokens cannot dodge the IP limit) …
    expect((await server.gql(q, undefined, { token: 'made-up' })).status).toBe(429);
    // … a write token has its own bucket.
    for (let i = 0; i < 5; i++)
      expect((await server.gql(q, undefined, { token: 'test-writer' })).status).toBe(200);
    const keyed = await server.gql(q, undefined, { token: 'test-writer' });
    expect(keyed.status).toBe(429);
    expect(keyed.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'rateLimitPerKey' });
  });
});

describe('rate limits on /tiles and /reports (issue 19: 1,137 tile requests a second from one IP)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        limits: limits({
          rateLimitPerIp: 0.01,
          rateBurstPerIp: 3,
          rateLimitPerKey: 0.01,
          rateBurstPerKey: 2,
        }),
      },
    });
  });
  afterAll(() => server.close());

  it('draw on the same per-IP bucket as /graphql, answer 429 RATE_LIMITED with Retry-After; /healthz is not limited', async () => {
    const tile = `${server.url}/tiles/settlements/8/138/72.mvt`;
    for (let i = 0; i < 3; i++) expect((await fetch(tile)).status).toBe(200);
    for (const url of [
      tile,
      `${server.url}/tiles/settlements.json`,
      `${server.url}/reports/municipality/2085`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ code: 'RATE_LIMITED', limit: 'rateLimitPerIp', max: 0.01 });
    }
    expect((await server.gql('{ serviceTypes { code } }')).status).toBe(429);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // A write token has its own bucket.
    const keyed = { headers: { authorization: 'Bearer test-writer' } };
    for (let i = 0; i < 2; i++) expect((await fetch(tile, keyed)).status).toBe(200);
    const over = await fetch(tile, keyed);
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: Record<string, unknown> }).error.limit).toBe('rateLimitPerKey');
  });
});
