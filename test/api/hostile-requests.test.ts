import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, testConfig } from '../helpers/db.js';
import {
  deepJsonBody,
  doublingFragments,
  fragmentChain,
  nestedSelections,
} from '../helpers/hostile-documents.js';
import { rawRequest } from '../helpers/raw-http.js';
import { aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { captureLog } from '../writes/log-capture.js';

/**
 * Issue 19, "stops the service" and "client mistakes as server errors", over real HTTP: each probe input
 * is answered with a 4xx and its code, nothing is logged as an error, and /healthz is answered meanwhile.
 */

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

let server: TestServer;
const captured = captureLog();

beforeAll(async () => {
  server = await startTestServer({
    config: { limits: { ...testConfig().limits, rateLimitPerIp: 0, rateLimitPerKey: 0 } },
    log: captured.log,
  });
  await seed(server.app.db, { settlements: [aSettlement({ name: 'Hostile' })], servicePoints: [] });
});
afterAll(() => server?.close());

async function post(body: unknown, raw = false): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

function onlyError(a: Answer) {
  expect(a.body.errors).toHaveLength(1);
  return a.body.errors![0]!;
}

const errorLines = () => captured.lines().filter((l) => (l.level as number) >= 50);

describe(`exponential fragments (${backend})`, () => {
  it.each([22, 25])(
    'the 898-byte query nested %i deep is refused 400 QUERY_TOO_COMPLEX, /healthz answered meanwhile',
    async (n) => {
      const attack = post({ query: doublingFragments(n) });
      const health = fetch(`${server.url}/healthz`);
      const [a, h] = await Promise.all([attack, health]);
      expect(h.status).toBe(200);
      expect(a.status).toBe(400);
      expect(onlyError(a).extensions).toMatchObject({
        code: 'QUERY_TOO_COMPLEX',
        limit: 'maxComplexity',
        max: 100_000,
        actual: 2 ** n,
      });
    },
  );

  it('counts root fields through fragments once each: 2^20 root fields refused by complexity first, all 400', async () => {
    const a = await post({ query: doublingFragments(20) });
    expect(a.status).toBe(400);
    expect(onlyError(a).extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('a work-priced field under doubling fragments is priced, not walked 2^n times', async () => {
    let q = '{ ...F0 }\n';
    for (let i = 0; i < 24; i++) q += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }\n`;
    q += 'fragment F24 on Query { gapAnalysis(first: 1) { totalCount } }\n';
    const a = await post({ query: q });
    expect(a.status).toBe(400);
    expect(onlyError(a).extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('a chain of 5,000 fragments (NoFragmentCycles recursed past the stack: 500) is refused by maxNesting', async () => {
    const a = await post({ query: fragmentChain(5000) });
    expect(a.status).toBe(400);
    expect(onlyError(a).extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'maxNesting',
      max: 128,
      actual: 5002,
    });
  });

  it('selections nested 3,000 deep are refused by maxNesting before the parser recurses', async () => {
    const a = await post({ query: nestedSelections(3000) });
    expect(a.status).toBe(400);
    expect(onlyError(a).extensions).toMatchObject({ limit: 'maxNesting', actual: 6001 });
  });

  it('a chain of 100 fragments is a valid query and is answered', async () => {
    const a = await post({ query: fragmentChain(100) });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ data: { __typename: 'Query' } });
  });
});

describe(`client mistakes are 4xx with their codes (${backend})`, () => {
  it.each([
    ['variables', 'array'],
    ['variables', 'object'],
    ['extensions', 'array'],
    ['extensions', 'object'],
  ] as const)('a body whose %s nest (%s) 100,000 deep: 400 BAD_REQUEST maxNesting', async (where, shape) => {
    const a = await post(deepJsonBody(100_000, shape, where), true);
    expect(a.status).toBe(400);
    expect(onlyError(a).extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 'maxNesting', max: 128 });
  });

  it('GET with variables nested 1,500 deep: 400 BAD_REQUEST', async () => {
    const variables = encodeURIComponent(`{"v":${'['.repeat(1500)}${']'.repeat(1500)}}`);
    const res = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}&variables=${variables}`,
      { headers: { 'apollo-require-preflight': 'true' } },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as Answer['body'];
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_REQUEST', limit: 'maxNesting' });
  });

  it('a JSON body nested 40 deep (under maxNesting) is still executed', async () => {
    const a = await post(deepJsonBody(40, 'object', 'extensions'), true);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ data: { __typename: 'Query' } });
  });

  const sha = (q: string) => createHash('sha256').update(q).digest('hex');
  it.each([
    ['a hash that is not hex', { version: 1, sha256Hash: 'zz' }, true],
    ['a hash that is not hex, no query', { version: 1, sha256Hash: 'zz' }, false],
    ['a hash of another query', { version: 1, sha256Hash: sha('{ x }') }, true],
    ['version 2', { version: 2, sha256Hash: sha('{ __typename }') }, true],
    ['a string', 'x', true],
    ['an array', [1], false],
  ])('a persisted query with %s: 400 BAD_REQUEST', async (_what, persistedQuery, withQuery) => {
    const a = await post({
      ...(withQuery ? { query: '{ __typename }' } : {}),
      extensions: { persistedQuery },
    });
    expect(a.status).toBe(400);
    expect(onlyError(a).extensions).toMatchObject({
      code: 'BAD_REQUEST',
      field: 'extensions.persistedQuery',
    });
  });

  it('a correct automatic persisted query still works: not found, registered, then served by hash', async () => {
    const query = '{ settlements(first: 1) { nodes { name } } }';
    const persistedQuery = { version: 1, sha256Hash: sha(query) };
    const miss = await post({ extensions: { persistedQuery } });
    expect(onlyError(miss).extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await post({ query, extensions: { persistedQuery } });
    expect(register.body).toEqual({ data: { settlements: { nodes: [{ name: 'Hostile' }] } } });
    const hit = await post({ extensions: { persistedQuery } });
    expect(hit.body).toEqual(register.body);
  });

  it.each(['subscription { __typename }', 'subscription S { settlements { totalCount } }'])(
    '`%s`: 400 GRAPHQL_VALIDATION_FAILED (there are no subscriptions)',
    async (query) => {
      const a = await post({ query });
      expect(a.status).toBe(400);
      const e = onlyError(a);
      expect(e.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(e.message).toMatch(/no subscriptions/);
    },
  );

  it.each(['//', '//graphql', '//healthz?x=1', '///'])('GET %s: 404 NOT_FOUND', async (path) => {
    const r = await rawRequest(`${server.url}${path}`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body.toString()).error.code).toBe('NOT_FOUND');
  });

  it('none of the above was logged as an error', () => {
    expect(errorLines()).toEqual([]);
  });
});
