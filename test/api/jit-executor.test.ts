import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { jitStats } from '../../src/graphql/jit-executor.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * The compiled queries (graphql-jit) answer byte for byte what graphql-js answers: the same requests go to
 * two servers on one database, one compiling every query at its first run, one on graphql-js alone.
 */
describe('compiled queries (graphql-jit) against graphql-js', () => {
  let jit: TestServer;
  let reference: RunningServer;

  beforeAll(async () => {
    // The response cache off: every request runs.
    jit = await startTestServer({ config: { maxPageSize: 500, graphqlJitAfter: 1, responseCacheBytes: 0 } });
    reference = await startServer({
      app: jit.app,
      config: { ...jit.app.config, graphqlJitAfter: 0 },
      port: 0,
    });
    await seed(jit.app.db, {
      settlements: [
        aSettlement({ name: 'Town', population: 5000, population65Plus: 1000, lon: 15, lat: 60 }),
        aSettlement({ name: 'Hamlet', population: 80, population65Plus: null, lon: 15, lat: 60.3 }),
        ...Array.from({ length: 40 }, (_, i) =>
          aSettlement({ name: `Grid ${i}`, population: 10 + i, lon: 14 + (i % 8) * 0.1, lat: 59 + i * 0.02 }),
        ),
      ],
      servicePoints: [
        aServicePoint({ name: 'Town pharmacy', serviceTypes: ['PHARMACY'], lon: 15, lat: 60.001 }),
        aServicePoint({
          name: 'Town school',
          serviceTypes: ['PRIMARY_SCHOOL', 'GROCERY'],
          lon: 15.01,
          lat: 60,
        }),
      ],
    });
  });
  afterAll(async () => {
    await reference?.close();
    await jit?.close();
  });

  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'identity' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  };

  const PAGE = `query Page($after: String) { settlements(first: 500, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { id name population access { serviceType travelMinutes travelKm straightLineKm withinThreshold method
      thresholdMinutes connectorKm openingHoursKnown fallbackReason servicePoint { id name } } } } }`;

  const requests: [string, unknown][] = [
    ['the 500 × 9 access page', { query: PAGE, variables: { after: null } }],
    [
      'fragments, aliases, __typename, @include/@skip, arguments',
      {
        query: `query Q($with: Boolean!, $types: [ServiceTypeCode!]) {
          first: settlements(first: 3) { nodes { ...S } }
          again: settlements(first: 2, filter: { minPopulation: 50 }) { nodes { __typename id ... on Settlement { name } } }
          travelModel { __typename method speedKmh networkLoaded networkEdges }
          serviceTypes { code }
        }
        fragment S on Settlement { id name population65Plus @include(if: $with) location @skip(if: $with)
          near: access(serviceTypes: $types, thresholdMinutes: 12.5) { serviceType withinThreshold servicePoint { __typename name } }
          all: access { method } }`,
        variables: { with: true, types: ['PHARMACY', 'GROCERY'] },
      },
    ],
    [
      'one of several operations, by name',
      {
        query: 'query A { serviceTypes { code } } query B { settlements(first: 1) { nodes { name } } }',
        operationName: 'B',
      },
    ],
    [
      'an error in a nested field: partial data and its path (graphql-js answers it)',
      { query: '{ settlements(first: 2) { nodes { name access(thresholdMinutes: -1) { serviceType } } } }' },
    ],
    [
      'an unknown service type in a nested argument',
      { query: '{ settlements(first: 1) { nodes { access(serviceTypes: ["NOPE"]) { serviceType } } } }' },
    ],
    ['a root error', { query: '{ settlement(id: "not-a-number") { name } }' }],
    [
      'two operations and no name',
      { query: 'query A { serviceTypes { code } } query B { serviceTypes { code } }' },
    ],
    ['an unknown operation name', { query: 'query A { serviceTypes { code } }', operationName: 'B' }],
    ['a null root answer', { query: '{ settlement(id: "999999") { name } }' }],
  ];

  it.each(requests)('%s: the same status and bytes, twice', async (_label, body) => {
    for (let run = 0; run < 2; run++) {
      const expected = await post(reference.url, body);
      const actual = await post(jit.url, body);
      expect(actual).toEqual(expected);
    }
  });

  it('ran compiled queries, and re-ran those that met an error on graphql-js', async () => {
    const before = { ...jitStats };
    await post(jit.url, requests[0]![1]);
    await post(jit.url, requests[3]![1]);
    expect(jitStats.compiledRuns - before.compiledRuns).toBe(2);
    expect(jitStats.reruns - before.reruns).toBe(1);
  });

  it('leaves mutations and introspection to graphql-js', async () => {
    const before = { ...jitStats };
    const introspection = await post(jit.url, { query: '{ __schema { queryType { name } } }' });
    expect(introspection.body).toBe('{"data":{"__schema":{"queryType":{"name":"Query"}}}}');
    expect(jitStats.compiledRuns).toBe(before.compiledRuns);
  });
});
