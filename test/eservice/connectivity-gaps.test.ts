import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFailure, runImportJob } from '../../src/modules/imports/import-jobs.js';
import { LON, latAt, minutesFor } from '../support/meridian.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/*
 * One pharmacy at km 0 on the meridian (threshold 20 min = 17.28 km; minutes = km × 1.157). By hand:
 *   Nära  km 2  (2085, 800)            : 2.3 min, within → no desert.
 *   Fjärr km 30 (2085, 300, 65+ 120)   : 34.7 min, desert.
 *   Bort  km 35 (2085, 500, 65+ 200)   : 40.5 min, desert.
 *   Gräns km 40 (2084, 200, 65+ ?)     : 46.3 min, desert; 2084 never gets a figure → unknown throughout.
 * potentialUsers with weight65Plus 0.5: Fjärr 300 + 60 = 360, Bort 500 + 100 = 600, Gräns 200 (65+ unknown = 0),
 * each × the broadband share that applies, or × nothing when unknown.
 */
interface Flag {
  code: string;
  reason: string;
  connectivityKnown: boolean | null;
  connectivityLevel: string | null;
  details: Record<string, unknown>;
}
interface Potential {
  settlement: { name: string };
  potentialUsers: number;
  connectivityKnown: boolean;
  connectivity: { level: string | null; broadbandShare: number | null; source: string | null };
}

describe('import connectivity: gap flags and e-service potential follow the figures exactly', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'sa-connectivity-'));
    const place = (name: string, km: number, extra: Parameters<typeof aSettlement>[0]) =>
      aSettlement({ name, lon: LON, lat: latAt(km), municipalityCode: '2085', ...extra });
    await seed(server.app.db, {
      settlements: [
        place('Nära', 2, { population: 800, externalId: 'x:nara' }),
        place('Fjärr', 30, { population: 300, population65Plus: 120, externalId: 'x:fjarr' }),
        place('Bort', 35, { population: 500, population65Plus: 200, externalId: 'x:bort' }),
        place('Gräns', 40, { population: 200, municipalityCode: '2084', externalId: 'x:grans' }),
      ],
      servicePoints: [
        aServicePoint({ name: 'Apoteket', serviceTypes: ['PHARMACY'], lon: LON, lat: latAt(0) }),
      ],
    });
  });
  afterAll(() => server?.close());

  const importCsv = (name: string, text: string, options: Record<string, string>) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return runImportJob(server.app.db, { kind: 'connectivity', file, options });
  };

  async function flagsOf(name: string, extra = ''): Promise<Flag[]> {
    const r = await server.gql<{ settlements: { nodes: { gaps: Flag[] }[] } }>(
      `query($name: String!) { settlements(filter: { name: $name }) { nodes {
        gaps(serviceTypes: [PHARMACY]${extra}) { code reason connectivityKnown connectivityLevel details } } } }`,
      { name },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.settlements.nodes[0]!.gaps;
  }

  async function potential(knownOnly = false): Promise<Potential[]> {
    const r = await server.gql<{ eServicePotential: Potential[] }>(
      `query($known: Boolean) { eServicePotential(serviceType: PHARMACY, weight65Plus: 0.5, knownConnectivityOnly: $known) {
        settlement { name } potentialUsers connectivityKnown connectivity { level broadbandShare source } } }`,
      { known: knownOnly },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.eServicePotential;
  }
  const summary = (list: Potential[]) =>
    list.map((p) => [p.settlement.name, Number(p.potentialUsers.toFixed(6)), p.connectivityKnown]);

  it('before any figure: every desert is a candidate with connectivity unknown, none with knownConnectivityOnly', async () => {
    expect(summary(await potential())).toEqual([
      ['Bort', 600, false],
      ['Fjärr', 360, false],
      ['Gräns', 200, false],
    ]);
    expect(await potential(true)).toEqual([]);
    const flags = await flagsOf('Fjärr');
    expect(flags.map((f) => [f.code, f.connectivityKnown, f.connectivityLevel])).toEqual([
      ['E_SERVICE_CAN_CLOSE', false, null],
      ['NEW_SERVICE_POINT_NEEDED', false, null],
    ]);
    expect((await flagsOf('Fjärr', ', knownConnectivityOnly: true')).map((f) => f.code)).toEqual([
      'NEW_SERVICE_POINT_NEEDED',
    ]);
    // Within reach of the one pharmacy: a risk, not a desert: no connectivity details.
    expect((await flagsOf('Nära')).map((f) => [f.code, f.connectivityKnown])).toEqual([
      ['SINGLE_POINT_OF_FAILURE', null],
    ]);
  });

  it('a municipality CSV (its own column names, --map) makes 2085 SUFFICIENT at 0.85: flags and potentials follow', async () => {
    const outcome = await importCsv('kommun.csv', 'kommun,andel_100\n2085,0.85\n', {
      level: 'municipality',
      map: 'municipalityCode=kommun,broadbandShare=andel_100',
      asOf: '2025-10-01',
      source: 'PTS test figures',
      licence: 'CC0',
    });
    expect(outcome.lines.join('\n')).toMatch(/1 rows — 1 inserted, 0 updated/);
    expect(outcome.lines.join('\n')).toMatch(/1 of 1 match stored municipalities/);
    const flags = await flagsOf('Fjärr');
    expect(flags.map((f) => [f.code, f.connectivityKnown, f.connectivityLevel])).toEqual([
      ['E_SERVICE_CAN_CLOSE', true, 'MUNICIPALITY'],
    ]);
    expect(flags[0]!.details.broadbandShare).toBe(0.85);
    expect(flags[0]!.details.connectivitySource).toBe('PTS test figures');
    expect(flags[0]!.reason).toContain('85% of households have fast broadband');
    // (600 × 0.85 = 510, 360 × 0.85 = 306; Gräns unknown, 200.)
    expect(summary(await potential())).toEqual([
      ['Bort', 510, true],
      ['Fjärr', 306, true],
      ['Gräns', 200, false],
    ]);
    expect(summary(await potential(true))).toEqual([
      ['Bort', 510, true],
      ['Fjärr', 306, true],
    ]);
    const c = await server.gql<{ settlements: { nodes: { connectivity: Record<string, unknown> }[] } }>(
      '{ settlements(filter: { name: "Fjärr" }) { nodes { connectivity { known broadbandShare level source licence asOf generated } } } }',
    );
    expect(c.data!.settlements.nodes[0]!.connectivity).toEqual({
      known: true,
      broadbandShare: 0.85,
      level: 'MUNICIPALITY',
      source: 'PTS test figures',
      licence: 'CC0',
      asOf: '2025-10-01',
      generated: false,
    });
  });

  it('re-importing 2085 at 0.70 updates it: POOR, a new point needed, no potential but Gräns', async () => {
    const outcome = await importCsv('kommun-2.csv', 'municipalityCode,broadbandShare\n2085,0.7\n', {
      level: 'MUNICIPALITY',
    });
    expect(outcome.lines.join('\n')).toMatch(/0 inserted, 1 updated/);
    const flags = await flagsOf('Bort');
    expect(flags.map((f) => f.code)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.reason).toContain('poor connectivity: 70% of households');
    expect(flags[0]!.connectivityLevel).toBe('MUNICIPALITY');
    expect(summary(await potential())).toEqual([['Gräns', 200, false]]);
  });

  it('a settlement figure (by externalId) wins over the municipality figure, and says so', async () => {
    await importCsv('orter.csv', 'externalId,broadbandShare,mobileCoverage\nx:fjarr,0.95,0.9\n', {
      level: 'SETTLEMENT',
    });
    const flags = await flagsOf('Fjärr');
    expect(flags.map((f) => [f.code, f.connectivityLevel])).toEqual([['E_SERVICE_CAN_CLOSE', 'SETTLEMENT']]);
    // Fjärr 360 × 0.95 = 342; Bort stays POOR at the municipality's 0.70.
    expect(summary(await potential())).toEqual([
      ['Fjärr', 342, true],
      ['Gräns', 200, false],
    ]);
    expect((await flagsOf('Bort')).map((f) => [f.code, f.connectivityLevel])).toEqual([
      ['NEW_SERVICE_POINT_NEEDED', 'MUNICIPALITY'],
    ]);
    expect((await potential())[0]!.connectivity).toEqual({
      level: 'SETTLEMENT',
      broadbandShare: 0.95,
      source: 'import: orter.csv',
    });
    expect(minutesFor(30)).toBeGreaterThan(20); // the fixture's premise
  });

  it('refuses a bad file naming file, line and field, and writes nothing of it', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM connectivity`.execute(
      server.app.db,
    );
    const error = await importCsv(
      'bad.csv',
      'municipalityCode,broadbandShare\n2084,0.9\n12345,0.5\n2083,85\n2084,0.8\n',
      { level: 'MUNICIPALITY' },
    ).catch((e: unknown) => e);
    const failure = importFailure(error);
    expect(failure.exit).toBe(1);
    expect(failure.message).toContain('bad.csv');
    expect(failure.message).toMatch(/line 3, field "municipalityCode"/);
    expect(failure.message).toMatch(/line 4, field "broadbandShare": must be between 0 and 1.*percentage/);
    expect(failure.message).toMatch(
      /line 5, field "municipalityCode": "2084" is given twice \(first at line 2\)/,
    );
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM connectivity`.execute(
      server.app.db,
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    // 2084 is still unknown: Gräns is still a candidate without the factor.
    expect(summary(await potential()).at(-1)).toEqual(['Gräns', 200, false]);
    const missing = await importCsv('nokey.csv', 'kommun,broadbandShare\n2084,0.9\n', {
      level: 'MUNICIPALITY',
    }).catch((e: unknown) => e);
    expect(importFailure(missing).message).toMatch(
      /line 1, field "municipalityCode": the file has no column/,
    );
    const level = await importCsv('x.csv', 'a,b\n', { level: 'COUNTY' }).catch((e: unknown) => e);
    expect(importFailure(level)).toMatchObject({ exit: 1 });
    expect(importFailure(level).message).toMatch(/--level.*MUNICIPALITY, SETTLEMENT, GRID/);
  });
});
