import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { rawRequest } from '../helpers/raw-http.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

interface ErrorBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as ErrorBody };
};

describe('client mistakes are 4xx with their codes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { maxDepth: 5, maxComplexity: 1000 } });
  });
  afterAll(() => server.close());

  const page = 'query($f: Int!) { settlements(first: $f) { totalCount } }';
  const optionalPage = 'query($f: Int) { settlements(first: $f) { totalCount } }';
  const byKind = 'query($k: SettlementKind) { settlements(filter: { kind: $k }) { totalCount } }';
  const byFilter = 'query($f: SettlementFilter) { settlements(filter: $f) { totalCount } }';
  const badVariables: [string, string, Record<string, unknown>][] = [
    ['a string for an Int', optionalPage, { f: 'ten' }],
    ['a float for an Int', optionalPage, { f: 1.5 }],
    ['an object for an Int', optionalPage, { f: { n: 1 } }],
    ['a list for an Int', optionalPage, { f: [1] }],
    ['a required variable missing', page, {}],
    ['null for a non-null variable', page, { f: null }],
    ['an unknown enum value', byKind, { k: 'METROPOLIS' }],
    ['an enum value of the wrong case', byKind, { k: 'tatort' }],
    ['a number for an enum', byKind, { k: 3 }],
    ['an unknown input field', byFilter, { f: { colour: 'red' } }],
    ['a wrongly typed input field', byFilter, { f: { minPopulation: 'many' } }],
    ['an Int out of 32-bit range', optionalPage, { f: 2 ** 40 }],
  ];
  for (const [what, query, variables] of badVariables) {
    it(`refuses ${what} with 400 BAD_USER_INPUT`, async () => {
      const r = await post(server.url, { query, variables });
      expect(r.status).toBe(400);
      expect(r.body.data).toBeUndefined();
      expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.message).toMatch(/Variable "\$[fk]"/);
    });
  }

  it('passes Apollo request errors through unmasked, with their 4xx status', async () => {
    const cases: [unknown, number, string][] = [
      [{ query: '{ settlements {' }, 400, 'GRAPHQL_PARSE_FAILED'],
      [{ query: '{ noSuchField }' }, 400, 'GRAPHQL_VALIDATION_FAILED'],
      [
        { query: 'query A { serviceTypes { code } } query B { serviceTypes { code } }' },
        400,
        'OPERATION_RESOLUTION_FAILURE',
      ],
      [
        { query: 'query A { serviceTypes { code } }', operationName: 'B' },
        400,
        'OPERATION_RESOLUTION_FAILURE',
      ],
      [{}, 400, 'BAD_REQUEST'],
      [{ query: 42 }, 400, 'BAD_REQUEST'],
      [{ query: '{ serviceTypes { code } }', variables: 'not an object' }, 400, 'BAD_REQUEST'],
      ['{"query": ', 400, 'BAD_REQUEST'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(server.url, body);
      expect({ body, status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({
        body,
        status,
        code,
      });
    }
  });

  it('serves automatic persisted queries: unknown hash → PERSISTED_QUERY_NOT_FOUND, then registered', async () => {
    const query = '{ serviceTypes { code } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const first = await post(server.url, { extensions });
    expect(first.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await post(server.url, { query, extensions });
    expect(register.status).toBe(200);
    const again = await post(server.url, { extensions });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(register.body);
    expect((again.body.data as { serviceTypes: unknown[] }).serviceTypes.length).toBeGreaterThan(0);
  });

  it('answers a query over the depth limit with 400 QUERY_TOO_COMPLEX', async () => {
    const deep = '{ settlements { edges { node { access { servicePoint { location } } } } } }';
    const r = await post(server.url, { query: deep });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(r.body.errors?.[0]?.message).toMatch(/depth 6 exceeds the limit of 5/);
    expect(JSON.stringify(r.body)).not.toMatch(/"http"/);
  });

  it('answers a query over the cost limit with 400 QUERY_TOO_COMPLEX', async () => {
    const r = await post(server.url, {
      query: '{ settlements(first: 500) { nodes { access { travelMinutes } } } }',
    });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('exempts introspection from the depth limit (depth 5 here, the standard query is 15 deep)', async () => {
    const r = await post(server.url, { query: getIntrospectionQuery() });
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
  });

  it('lists every Apollo Server error code in the closed set', () => {
    for (const code of Object.values(ApolloServerErrorCode)) expect(ERROR_CODES).toContain(code);
  });
});

describe('CORS on /graphql', () => {
  let open: TestServer;
  let listed: TestServer;
  beforeAll(async () => {
    open = await startTestServer();
    listed = await startTestServer({ config: { corsOrigins: ['https://maps.example.org'] } });
  });
  afterAll(async () => {
    await open.close();
    await listed.close();
  });

  const preflight = (url: string, origin: string) =>
    rawRequest(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('answers a preflight from any origin by default, allowing the headers clients send', async () => {
    const r = await preflight(open.url, 'https://someone.example');
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-methods']).toMatch(/POST/);
    const allowed = String(r.headers['access-control-allow-headers']).toLowerCase();
    for (const h of ['content-type', 'authorization', 'apollo-require-preflight'])
      expect(allowed).toContain(h);
    const res = await post(
      open.url,
      { query: '{ serviceTypes { code } }' },
      { origin: 'https://someone.example' },
    );
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('with configured origins, echoes a listed origin and gives others no CORS headers', async () => {
    const ok = await preflight(listed.url, 'https://maps.example.org');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://maps.example.org');
    expect(ok.headers.vary).toMatch(/Origin/);
    const other = await preflight(listed.url, 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-methods']).toBeUndefined();
    const res = await post(
      listed.url,
      { query: '{ serviceTypes { code } }' },
      { origin: 'https://evil.example' },
    );
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });
});

describe('compression of JSON responses', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const introspect = (acceptEncoding?: string) =>
    rawRequest(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}),
      },
      body: JSON.stringify({ query: getIntrospectionQuery() }),
    });

  it('gzips or Brotli-compresses a large answer when the client accepts it, and says so', async () => {
    const plain = await introspect();
    expect(plain.headers['content-encoding']).toBeUndefined();
    const json = JSON.parse(plain.body.toString('utf8')) as ErrorBody;
    expect(json.data).toBeDefined();

    const gz = await introspect('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/);
    expect(gz.body.byteLength * 4).toBeLessThan(plain.body.byteLength);
    expect(gunzipSync(gz.body).toString('utf8')).toBe(plain.body.toString('utf8'));

    const br = await introspect('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(plain.body.toString('utf8'));

    const refused = await introspect('gzip;q=0');
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('leaves small answers uncompressed', async () => {
    const r = await rawRequest(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(r.body.toString('utf8'))).toEqual({ data: { __typename: 'Query' } });
  });
});
