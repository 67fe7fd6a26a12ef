import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitsConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { municipalityReport } from '../../src/modules/report/report.service.js';
import { Services } from '../../src/services.js';
import { ANALYSIS_JOBS } from '../../src/workers/analysis-jobs.js';
import { AnalysisPool, analysisPoolFor } from '../../src/workers/analysis-pool.js';
import { SnapshotReceiver, snapshotPayload } from '../../src/workers/snapshot-transfer.js';
import { testConfig } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { createKeys } from '../writes/fixtures.js';

/**
 * Heavy analyses run on worker threads (src/workers/): the main event loop keeps answering /healthz and
 * light reads while one runs (shown by ORDER — the light answers arrive before the heavy one — not by a
 * timing threshold), and the answers are exactly those of the in-process computation.
 */
const limits = (o: Partial<LimitsConfig>): LimitsConfig => ({
  ...testConfig().limits,
  rateLimitPerIp: 0,
  rateLimitPerKey: 0,
  maxWork: 1e12,
  maxResponseBytes: 1e9,
  requestTimeoutMs: 300_000,
  ...o,
});

let server: TestServer;
/** A second server on the same app and database that computes in-process. */
let inProcess: RunningServer;
let openIds: string[] = [];

const post = async (url: string, query: string, variables?: Record<string, unknown>) => {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: unknown[] } };
};

const SCENARIO = `query($changes: ScenarioInput!, $types: [ServiceTypeCode!]) {
  evaluateScenario(changes: $changes, serviceTypes: $types) {
    populationLosingAccess populationGainingAccess method ignoredServicePointIds
    closedServicePoints { id name } addedServicePoints { id name }
    byServiceType { serviceType thresholdMinutes populationLosingAccess populationGainingAccess
      losingAccess { settlement { id name } servicePointBefore { id } servicePointAfter { id }
        addedServicePointAfter { id } minutesBefore minutesAfter withinBefore withinAfter }
      gainingAccess { settlement { id } minutesBefore minutesAfter }
      indicatorDeltas { areaCode areaName populationBeyondThresholdChange before { populationBeyondThreshold } }
      flagChanges { settlement { id } appeared { code } vanished { code } } } } }`;
const SITES = `{ siteSuggestions(serviceTypes: [PHARMACY, POST], count: 5, area: { countyCode: "20" }) {
  populationCoveredBefore populationCoveredAfter method populationBase
  sites { location marginalPopulation settlement { id name } serves { id } servesByType { serviceType marginalPopulation } } } }`;
const CLOSURE = `{ closureImpact(serviceType: GROCERY, first: 30) {
  servicePoint { id name } populationLosingAccess population65PlusLosingAccess settlementsLosingAccess { id name } } }`;

const CAPACITY = `query($area: AreaInput, $t: Float, $enhanced: Boolean) {
  capacityAccess(serviceType: ELDERLY_CARE, area: $area, thresholdMinutes: $t, enhanced: $enhanced) {
    method thresholdMinutes demand needBase placesPer100
    points { servicePoint { id name capacity } capacity demandInCatchment ratio }
    areas { areaCode areaName level need placesInside placesReachable shortfall demand meanAccess populationBase } } }`;
const SETTLEMENT_CAPACITY = `{ settlements(first: 200, filter: { countyCode: "20" }) {
  nodes { id capacityAccess(serviceType: ELDERLY_CARE) at30: capacityAccess(serviceType: ELDERLY_CARE, thresholdMinutes: 30) } } }`;
const JOINT = `query($group: [String!]!, $count: Int!) {
  jointFacility(serviceType: ELDERLY_CARE, municipalityCodes: $group, count: $count, capacity: 60) {
    method demandBase totalWeightedMinutes meanMinutes
    sites { location settlement { id name population } gridCellId capacity demand need meanMinutes
      users { municipalityCode demand expectedUsers share } }
    costSplit { municipalityCode demand expectedUsers share } } }`;
const SERVICE_AREAS = `query($type: ServiceTypeCode, $id: ID, $minutes: [Float!]!) {
  serviceAreas(serviceType: $type, servicePointId: $id, minutes: $minutes) }`;

/** Posts the same request to the pooled and the in-process server; the pool's completed-job count before. */
async function both(query: string, variables?: Record<string, unknown>) {
  const before = analysisPoolFor(1).stats.completed;
  const [worker, local] = await Promise.all([
    post(server.url, query, variables),
    post(inProcess.url, query, variables),
  ]);
  return { worker, local, jobs: analysisPoolFor(1).stats.completed - before };
}

/**
 * The client runs in its own process (the test process also runs the server, so a blocked event loop
 * would block an in-process client too and hide the fault): it sends the heavy request, waits for "go"
 * on stdin (sent once `ready()` resolves), sends /healthz and serviceTypes, and prints the order in which
 * the three answers arrived.
 */
async function lightWhileHeavy(
  url: string,
  heavyBody: string,
  ready: () => Promise<void>,
): Promise<{ events: string[]; heavyOk: boolean }> {
  const script = `
    import { createInterface } from 'node:readline';
    const [url, heavyBody] = process.argv.slice(1);
    const events = [];
    const post = (body) => fetch(url + '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text());
    const heavy = post(heavyBody).then((t) => { events.push('heavy'); return t; });
    const go = new Promise((r) => createInterface({ input: process.stdin }).once('line', r));
    process.stdout.write('sent\\n');
    await go;
    const health = fetch(url + '/healthz').then((r) => r.text()).then(() => events.push('healthz'));
    const light = post(JSON.stringify({ query: '{ serviceTypes { code } }' })).then(() => events.push('serviceTypes'));
    const [text] = await Promise.all([heavy, health, light]);
    process.stdout.write(JSON.stringify({ events, heavyOk: !JSON.parse(text).errors }) + '\\n');
    process.exit(0);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, url, heavyBody], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const iterator = lines[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toBe('sent');
  await ready();
  child.stdin!.write('go\n');
  const result = JSON.parse((await iterator.next()).value as string);
  child.stdin!.end();
  return result;
}

beforeAll(async () => {
  server = await startTestServer({ demo: true, config: { limits: limits({ analysisWorkers: 1 }) } });
  inProcess = await startServer({
    app: server.app,
    config: { ...server.app.config, limits: limits({ analysisWorkers: 0 }) },
    port: 0,
  });
  const r = await post(
    server.url,
    '{ servicePoints(first: 500, filter: { serviceType: GROCERY }) { nodes { id } } }',
  );
  openIds = (r.body.data as { servicePoints: { nodes: { id: string }[] } }).servicePoints.nodes.map(
    (n) => n.id,
  );
  // The server started the pool's thread; once it is up, load both servers' snapshots (the pooled one
  // builds its nearest tables on the pool) and let every job finish before the tests count jobs.
  const pool = analysisPoolFor(1);
  const settled = async (ready: () => boolean) => {
    while (!ready()) await new Promise((r) => setTimeout(r, 10));
  };
  await settled(() => pool.warm);
  const warm = '{ settlements(first: 1) { nodes { access { travelMinutes } } } }';
  await Promise.all([post(server.url, warm), post(inProcess.url, warm)]);
  await settled(() => pool.stats.inFlight === 0);
}, 180_000);

afterAll(async () => {
  await inProcess?.close();
  await server?.close();
});

describe('analysis worker pool', () => {
  it('answers scenarios, site suggestions and closure impact exactly as the in-process computation', async () => {
    const changes = {
      closeServicePointIds: openIds.slice(0, 40),
      addServicePoints: [
        { name: 'Ny punkt', location: { lon: 14.5, lat: 61.0 }, serviceTypes: ['GROCERY', 'PHARMACY'] },
      ],
    };
    for (const [query, variables] of [
      [SCENARIO, { changes }],
      [SCENARIO, { changes, types: ['GROCERY', 'PHARMACY', 'POST'] }],
      [SITES, undefined],
      [CLOSURE, undefined],
    ] as const) {
      const before = analysisPoolFor(1).stats.completed;
      const [worker, local] = await Promise.all([
        post(server.url, query, variables),
        post(inProcess.url, query, variables),
      ]);
      expect(worker.status).toBe(200);
      expect(worker.body.errors).toBeUndefined();
      expect(worker.body).toEqual(local.body);
      // The demo's Dalarna grid is the demand: the worker's snapshot must carry it too.
      if (query === SITES) expect(JSON.stringify(worker.body)).toContain('"populationBase":"GRID"');
      // It really ran on the pool (and the other server did not use it).
      expect(analysisPoolFor(1).stats.completed).toBe(before + 1);
    }
  });

  it('answers capacityAccess, jointFacility and serviceAreas exactly as the in-process computation', async () => {
    for (const [query, variables] of [
      [CAPACITY, { area: { countyCode: '20' } }],
      [CAPACITY, { t: 25, enhanced: true }],
      [JOINT, { group: ['2085', '2061', '2081'], count: 2 }],
      [JOINT, { group: ['2080'], count: 1 }],
      // Every pharmacy's 5-minute buffer, joined (a few seconds in-process: the union is the work).
      [SERVICE_AREAS, { type: 'PHARMACY', minutes: [5] }],
      [SERVICE_AREAS, { id: openIds[0], minutes: [15, 5, 30] }],
    ] as const) {
      const { worker, local, jobs } = await both(query, variables);
      expect(worker.status).toBe(200);
      expect(worker.body.errors).toBeUndefined();
      expect(worker.body).toEqual(local.body);
      // It really ran on the pool (and the other server did not use it).
      expect(jobs).toBe(1);
    }
    // The answers carry what the resolvers read: points and settlements resolved back on the snapshot.
    const { worker } = await both(CAPACITY, { area: { countyCode: '20' } });
    const capacity = (worker.body.data as { capacityAccess: { points: { servicePoint: { id: string } }[] } })
      .capacityAccess;
    expect(capacity.points.length).toBeGreaterThan(0);
    const joint = await both(JOINT, { group: ['2085', '2061', '2081'], count: 2 });
    const sites = (joint.worker.body.data as { jointFacility: { sites: { settlement: { id: string } }[] } })
      .jointFacility.sites;
    expect(sites.map((s) => s.settlement?.id)).toEqual([expect.any(String), expect.any(String)]);
  }, 120_000);

  it('computes Settlement.capacityAccess for a page of settlements in one pool job, as in-process', async () => {
    const { worker, local, jobs } = await both(SETTLEMENT_CAPACITY);
    expect(worker.body.errors).toBeUndefined();
    expect(worker.body).toEqual(local.body);
    const nodes = (worker.body.data as { settlements: { nodes: { capacityAccess: number | null }[] } })
      .settlements.nodes;
    expect(nodes.some((n) => (n.capacityAccess ?? 0) > 0)).toBe(true);
    // One job per distinct request (default threshold, 30 min), not one per settlement.
    expect(jobs).toBe(2);
    expect((await both(SETTLEMENT_CAPACITY)).jobs).toBe(0);
  });

  it('brings bad input found in a capacity, joint-facility or service-area job back typed', async () => {
    for (const [query, variables, code] of [
      [JOINT, { group: ['2085'], count: 11 }, 'BAD_USER_INPUT'],
      [JOINT, { group: ['20x5'], count: 1 }, 'BAD_USER_INPUT'],
      [SERVICE_AREAS, { type: 'PHARMACY', minutes: [10, -5] }, 'BAD_USER_INPUT'],
      [SERVICE_AREAS, { id: 'no-such-point', minutes: [10] }, 'NOT_FOUND'],
      [CAPACITY, { t: 0 }, 'BAD_USER_INPUT'],
    ] as const) {
      const { worker, local, jobs } = await both(query, variables);
      expect(worker.body.errors).toBeDefined();
      expect(worker.body).toEqual(local.body);
      expect((worker.body.errors![0] as { extensions: { code: string } }).extensions.code).toBe(code);
      expect(jobs).toBeLessThanOrEqual(1);
    }
    // These are found inside the job (on the worker thread), not before it.
    // (New variables each: an answer cache, if any, must not hide the job.)
    expect((await both(JOINT, { group: ['20y5'], count: 1 })).jobs).toBe(1);
    expect((await both(SERVICE_AREAS, { id: 'no-such-point-2', minutes: [10] })).jobs).toBe(1);
  });

  it('maps errors thrown in the worker to the same typed errors', async () => {
    const bad = `{ siteSuggestions(serviceTypes: [PHARMACY], count: 3, exact: true) { method } }`;
    const [worker, local] = await Promise.all([post(server.url, bad), post(inProcess.url, bad)]);
    expect(worker.body.errors).toBeDefined();
    expect(worker.body).toEqual(local.body);
    expect((worker.body.errors![0] as { extensions: { code: string } }).extensions.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('gives the pool the same results as the direct call, on a snapshot built from the database', async () => {
    const services = new Services(server.app.db, server.app.config);
    const snapshot = await services.snapshot();
    const pool = new AnalysisPool(1);
    try {
      const model = server.app.config.travelModel;
      const args = { indices: null, code: 'PHARMACY', model, first: 500 };
      expect(await pool.run(snapshot, 'closureImpact', args)).toEqual(
        ANALYSIS_JOBS.closureImpact(snapshot, args),
      );
      const request = {
        types: ['GROCERY'],
        count: 3,
        weighting: 'POPULATION' as const,
        candidates: null,
        exact: false,
        model,
      };
      const indices = [...snapshot.settlements.keys()].filter((i) => i % 3 === 0);
      expect(await pool.run(snapshot, 'siteSuggestions', { indices, request })).toEqual(
        ANALYSIS_JOBS.siteSuggestions(snapshot, { indices, request }),
      );
      const capacity = {
        request: { code: 'ELDERLY_CARE', model, decay: 'LUO_QI' as const },
        residentIndices: null,
      };
      expect(await pool.run(snapshot, 'capacityAccess', capacity)).toEqual(
        ANALYSIS_JOBS.capacityAccess(snapshot, capacity),
      );
      const joint = {
        request: {
          code: 'ELDERLY_CARE',
          municipalityCodes: ['2085', '2062'],
          count: 2,
          capacity: null,
          model,
        },
      };
      expect(await pool.run(snapshot, 'jointFacility', joint)).toEqual(
        ANALYSIS_JOBS.jointFacility(snapshot, joint),
      );
      const areas = { model, request: { servicePointId: snapshot.openPoints[0]!.id, minutes: [10, 20] } };
      expect(await pool.run(snapshot, 'serviceAreas', areas)).toEqual(
        ANALYSIS_JOBS.serviceAreas(snapshot, areas),
      );
    } finally {
      await pool.close();
    }
  });

  it('ships the stored settlements to the workers as columns, every field intact (today and dated)', async () => {
    const services = new Services(server.app.db, server.app.config);
    const today = await services.snapshot();
    const dated = await services.snapshotFor({ asOf: '2023-06-30' });
    for (const snapshot of [today, dated]) {
      const payload = snapshotPayload(snapshot);
      // The rows as the repository reads them are encodable (else they would go the slow way).
      expect(payload.settlements).not.toBeNull();
      const copy = new SnapshotReceiver().receive(payload).snapshot;
      expect(copy.settlements).toStrictEqual(snapshot.settlements);
    }
    // The data exercise what the columns must keep: Swedish letters, nulls, the date.
    const all = today.settlements;
    expect(all.some((s) => /[åäöÅÄÖ]/.test(s.name))).toBe(true);
    expect(all.some((s) => s.population65Plus === null || s.broadbandShare === null)).toBe(true);
    expect(dated.settlements.every((s) => s.asOf === '2023-06-30')).toBe(true);
  });

  it('builds a new snapshot’s nearest tables on the pool, equal to the in-process ones', async () => {
    const config = server.app.config;
    const pooled = new Services(server.app.db, { ...config, limits: limits({ analysisWorkers: 1 }) });
    const local = new Services(server.app.db, { ...config, limits: limits({ analysisWorkers: 0 }) });
    const before = analysisPoolFor(1).stats.completed;
    const a = await pooled.snapshot();
    // One job per service type (so a pool of several threads builds several at once), and with the
    // demo's population grid one more per type for its resident table.
    expect(a.grid.length).toBeGreaterThan(0);
    expect(analysisPoolFor(1).stats.completed).toBe(before + 2 * a.catalogue.length);
    const b = await local.snapshot();
    expect(b).not.toBe(a);
    const model = config.travelModel;
    for (const { code } of b.catalogue) {
      expect(a.nearestTable(code, model)).toEqual(b.nearestTable(code, model));
      expect(a.table(code, model, 7)).toEqual(b.table(code, model, 7));
      expect(a.residentTable(code, model)).toEqual(b.residentTable(code, model));
    }
  });

  it('builds an `at:` open set’s tables on the pool once per open set, equal to the in-process ones', async () => {
    const config = server.app.config;
    const pooled = new Services(server.app.db, { ...config, limits: limits({ analysisWorkers: 1 }) });
    const local = new Services(server.app.db, { ...config, limits: limits({ analysisWorkers: 0 }) });
    // A Sunday night (few points open) and a weekday morning: two different open sets.
    const night = new Date('2026-03-01T02:30:00+01:00');
    const morning = new Date('2026-03-03T10:30:00+01:00');
    const pool = analysisPoolFor(1);
    const before = pool.stats.completed;
    const a = await pooled.snapshotFor({ at: night });
    expect(a.at).not.toBeNull();
    expect(a.openPoints.length).toBeLessThan((await pooled.snapshot()).openPoints.length);
    expect(pooled.openSetBuilds).toBe(1);
    expect(pool.stats.completed).toBeGreaterThan(before);
    for (const { code } of a.catalogue) expect(a.hasNearestTable(code)).toBe(true);
    // Another minute of the same open set: the same snapshot, nothing sent again.
    const again = await pooled.snapshotFor({ at: new Date('2026-03-01T02:31:00+01:00') });
    expect(again).toBe(a);
    expect(pooled.openSetBuilds).toBe(1);
    const b = await local.snapshotFor({ at: night });
    expect(local.openSetBuilds).toBe(1);
    const model = config.travelModel;
    for (const { code } of b.catalogue) {
      expect(b.hasNearestTable(code)).toBe(false); // no pool: built lazily, in process, below
      expect(a.table(code, model)).toEqual(b.table(code, model));
      expect(a.residentTable(code, model)).toEqual(b.residentTable(code, model));
    }
    const c = await pooled.snapshotFor({ at: morning });
    const d = await local.snapshotFor({ at: morning });
    expect(c.openPoints.length).not.toBe(a.openPoints.length);
    for (const { code } of d.catalogue)
      expect(c.residentTable(code, model)).toEqual(d.residentTable(code, model));
  });

  it('keeps answering /healthz and light reads while a heavy analysis runs', async () => {
    // Warm the worker (thread started, snapshot received) so the heavy request below is pure computation.
    await post(server.url, CLOSURE);
    const pool = analysisPoolFor(1);
    const all = await post(server.url, '{ servicePoints(first: 500) { nodes { id } } }');
    const every = (all.body.data as { servicePoints: { nodes: { id: string }[] } }).servicePoints.nodes;
    // Closing 500 points over every type: the heaviest scenario the demo allows (about a second here).
    const heavyBody = JSON.stringify({
      query: SCENARIO,
      variables: { changes: { closeServicePointIds: every.map((n) => n.id) } },
    });
    const order = await lightWhileHeavy(server.url, heavyBody, async () => {
      // Wait until the job is on the pool (in-process, this loop could not run until it was done).
      const started = Date.now();
      while (pool.stats.inFlight === 0 && Date.now() - started < 10_000) {
        await new Promise((r) => setTimeout(r, 2));
      }
      expect(pool.stats.inFlight).toBe(1);
    });
    expect(order.heavyOk).toBe(true);
    expect(order.events).toEqual(expect.arrayContaining(['healthz', 'serviceTypes', 'heavy']));
    expect(order.events[2]).toBe('heavy');
  });

  /** Waits until `jobs` of the heavy request are on the pool (in-process, this loop could not run). */
  const onPool = (jobs: number) => async () => {
    const pool = analysisPoolFor(1);
    const started = Date.now();
    while (pool.stats.inFlight < jobs && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(pool.stats.inFlight).toBe(jobs);
  };

  it('keeps answering /healthz and light reads while capacity analyses run', async () => {
    // Four 2SFCA runs over Dalarna's grid at thresholds no earlier request used (nothing cached): four
    // jobs queued on the one thread, and a page of settlements' A_i (one more job).
    const thresholds = [21.5, 33.5, 44.5, 55.5];
    const query = `{ ${thresholds
      .map(
        (t, i) => `c${i}: capacityAccess(serviceType: ELDERLY_CARE, thresholdMinutes: ${t}, enhanced: true) {
          points { servicePoint { id } ratio } areas { areaCode placesReachable } }`,
      )
      .join(' ')}
      settlements(first: 100) { nodes { id capacityAccess(serviceType: ELDERLY_CARE, thresholdMinutes: 27.5) } } }`;
    const order = await lightWhileHeavy(server.url, JSON.stringify({ query }), onPool(5));
    expect(order.heavyOk).toBe(true);
    expect(order.events).toEqual(expect.arrayContaining(['healthz', 'serviceTypes', 'heavy']));
    expect(order.events[2]).toBe('heavy');
  });

  it('keeps answering /healthz and light reads while service areas are built', async () => {
    // Every post office's 5-minute service area: one minutes grid outlined on the thread.
    const query = '{ serviceAreas(serviceType: POST, minutes: [5]) }';
    const order = await lightWhileHeavy(server.url, JSON.stringify({ query }), onPool(1));
    expect(order.heavyOk).toBe(true);
    expect(order.events).toEqual(expect.arrayContaining(['healthz', 'serviceTypes', 'heavy']));
    expect(order.events[2]).toBe('heavy');
  });

  it('cancels a job that runs past the request time budget and keeps serving', async () => {
    const quick = await startServer({
      app: server.app,
      config: { ...server.app.config, limits: limits({ analysisWorkers: 1, requestTimeoutMs: 50 }) },
      port: 0,
    });
    try {
      const all = await post(server.url, '{ servicePoints(first: 500) { nodes { id } } }');
      const ids = (all.body.data as { servicePoints: { nodes: { id: string }[] } }).servicePoints.nodes;
      const r = await post(quick.url, SCENARIO, { changes: { closeServicePointIds: ids.map((n) => n.id) } });
      expect(r.body.errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'TIMEOUT' }) }),
      ]);
    } finally {
      await quick.close();
    }
    const after = await post(server.url, CLOSURE);
    expect(after.body.errors).toBeUndefined();
  });
  it('gathers the municipal plan’s analyses in one pool job, equal to the in-process plan', async () => {
    // The plan's site suggestions reach from every settlement of the municipality (14 s for 5,000
    // settlements): they, the closures, gaps and indicators must not run on the server's event loop.
    const now = new Date('2026-12-01T12:00:00Z');
    const pooled = new Services(server.app.db, server.app.config);
    const local = new Services(server.app.db, {
      ...server.app.config,
      limits: limits({ analysisWorkers: 0 }),
    });
    const pool = analysisPoolFor(1);
    // The first plan also builds the weekend comparison's open-at tables on the pool (once per open set).
    await municipalityReport(pooled, '2085', { now });
    while (pool.stats.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    const before = pool.stats.completed;
    const onPool = await municipalityReport(pooled, '2085', { now });
    expect(pool.stats.completed).toBe(before + 1);
    const inProcess = await municipalityReport(local, '2085', { now });
    expect(pool.stats.completed).toBe(before + 1);
    expect(onPool.gaps.length).toBeGreaterThan(0);
    expect(onPool.sites.sites.length).toBeGreaterThan(0);
    expect(onPool.closures.length).toBeGreaterThan(0);
    expect(onPool).toEqual(inProcess);
  }, 120_000);

  it('builds coverageLayer grid squares and a saved scenario’s access tables on the pool, as in-process', async () => {
    const keys = await createKeys(server.app.db);
    const saved = await server.gql<{ saveScenario: { id: string } }>(
      `mutation($changes: ScenarioInput!) { saveScenario(name: "Två hem färre", changes: $changes) { id } }`,
      { changes: { closeServicePointIds: openIds.slice(0, 5) } },
      { token: keys.admin },
    );
    expect(saved.errors).toBeUndefined();
    const scenario = saved.data!.saveScenario.id;
    // Saving bumped the data version: let both servers load the new snapshot (its nearest tables are
    // built on the pool) before counting jobs.
    await both('{ settlements(first: 1) { nodes { access { travelMinutes } } } }');
    while (analysisPoolFor(1).stats.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    const query = `query($s: ID, $t: Float) { coverageLayer(serviceType: ELDERLY_CARE, scenario: $s, thresholdMinutes: $t,
      include: [GRID_CELLS, SETTLEMENTS, SERVICE_AREAS, SERVICE_POINTS]) }`;
    for (const variables of [{ t: 37 }, { s: scenario }, { s: scenario, t: 23 }]) {
      const { worker, local, jobs } = await both(query, variables);
      expect(worker.body.errors).toBeUndefined();
      expect(worker.body).toEqual(local.body);
      const layer = (worker.body.data as { coverageLayer: { features: { properties: { layer: string } }[] } })
        .coverageLayer;
      expect(new Set(layer.features.map((f) => f.properties.layer))).toEqual(
        new Set(['grid', 'settlements', 'service-areas', 'service-points']),
      );
      // The grid squares' analysis (and, for the scenario, its nearest table) ran on the pool.
      expect(jobs).toBe(variables.s === undefined ? 1 : variables.t === undefined ? 2 : 1);
    }
  }, 120_000);
});
