import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aServicePoint, aSettlement, seed } from '../../helpers/seed.js';
import type { TestServer } from '../../helpers/server.js';
import { startTestServer } from '../../helpers/server.js';
import { LON, latAt, minutesFor } from '../../support/meridian.js';

interface Flag {
  code: string;
  serviceType: string;
  reason: string;
  eService: string | null;
  details: Record<string, unknown>;
}

const FLAG = 'code serviceType reason eService details';

/*
 * Pharmacies at km 0 (also payment) and km −3, both in municipality 2085; thresholds 20 min for both types,
 * i.e. 17.28 km. By hand (minutes = km × 1.157):
 *   Apoteksby km 2: pharmacies at 2 and 5 km → two within: no pharmacy flag; payment only at km 0 → single point.
 *   Gränsby km 5 (municipality 2081): pharmacies at 5 and 8 km, nearest in 2085 → CROSS_BORDER_NEAREST only.
 *   Ensamby km 15: 15 km = 17.4 min within, 18 km = 20.8 min not → SINGLE_POINT_OF_FAILURE.
 *   Fjärrby km 30: 34.7 min, broadband 0.9 → E_SERVICE_CAN_CLOSE (online pharmacy, FULL).
 *   Svagby km 35: 40.5 min, broadband 0.5 → NEW_SERVICE_POINT_NEEDED (poor connectivity).
 *   Okändby km 40: 46.3 min, broadband unknown → NEW_SERVICE_POINT_NEEDED (connectivity UNKNOWN).
 */
describe('gap flags, gap analysis and e-service potential over GraphQL', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    const place = (name: string, km: number, extra: Parameters<typeof aSettlement>[0] = {}) =>
      aSettlement({ name, lon: LON, lat: latAt(km), municipalityCode: '2085', ...extra });
    await seed(server.app.db, {
      settlements: [
        place('Apoteksby', 2, { population: 800, broadbandShare: 0.95 }),
        place('Gränsby', 5, { population: 400, municipalityCode: '2081', broadbandShare: 0.9 }),
        place('Ensamby', 15, { population: 1000, population65Plus: 100 }),
        place('Fjärrby', 30, { population: 300, population65Plus: 120, broadbandShare: 0.9 }),
        place('Svagby', 35, { population: 500, population65Plus: 200, broadbandShare: 0.5 }),
        place('Okändby', 40, { population: 200, broadbandShare: null }),
      ],
      servicePoints: [
        aServicePoint({ name: 'Centrum', serviceTypes: ['PHARMACY', 'PAYMENT'], lon: LON, lat: latAt(0) }),
        aServicePoint({ name: 'Söder', serviceTypes: ['PHARMACY'], lon: LON, lat: latAt(-3) }),
      ],
    });
  });
  afterAll(() => server?.close());

  async function gapsOf(name: string, args = 'serviceTypes: [PHARMACY]'): Promise<Flag[]> {
    const r = await server.gql<{ settlements: { nodes: { gaps: Flag[] }[] } }>(
      `query($name: String!) { settlements(filter: { name: $name }) { nodes { gaps(${args}) { ${FLAG} } } } }`,
      { name },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.settlements.nodes).toHaveLength(1);
    return r.data!.settlements.nodes[0]!.gaps;
  }

  it('flags a desert with a full substitute and 90% broadband as E_SERVICE_CAN_CLOSE naming the e-service', async () => {
    const flags = await gapsOf('Fjärrby');
    expect(flags.map((f) => f.code)).toEqual(['E_SERVICE_CAN_CLOSE']);
    const [flag] = flags;
    expect(flag!.eService).toBe('Online pharmacy with delivery');
    expect(flag!.serviceType).toBe('PHARMACY');
    expect(flag!.reason).toContain('34.7 min to the nearest pharmacy (threshold 20 min)');
    expect(flag!.reason).toContain('90%');
    expect(flag!.details.travelMinutes).toBeCloseTo(minutesFor(30), 6);
    expect(flag!.details.connectivity).toBe('SUFFICIENT');
    expect(flag!.details.minBroadbandShare).toBe(0.8);
  });

  it('names an unknown-broadband desert as an e-service candidate (connectivityKnown false) and a new-point case', async () => {
    const flags = await gapsOf('Okändby');
    expect(flags.map((f) => f.code)).toEqual(['E_SERVICE_CAN_CLOSE', 'NEW_SERVICE_POINT_NEEDED']);
    for (const f of flags) {
      expect(f.details.connectivity).toBe('UNKNOWN');
      expect(f.details.connectivityKnown).toBe(false);
      expect(f.reason).toContain('connectivity unknown');
      expect(f.details.travelMinutes).toBeCloseTo(minutesFor(40), 6);
    }
  });

  it('asks only for a new service point where broadband is unknown when knownConnectivityOnly is set', async () => {
    const flags = await gapsOf('Okändby', 'serviceTypes: [PHARMACY], knownConnectivityOnly: true');
    expect(flags.map((f) => f.code)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.details.connectivity).toBe('UNKNOWN');
  });

  it('treats 50% broadband as poor by default and as enough with minBroadbandShare 0.4', async () => {
    const strict = await gapsOf('Svagby');
    expect(strict.map((f) => f.code)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(strict[0]!.reason).toContain('poor connectivity');
    const lenient = await gapsOf('Svagby', 'serviceTypes: [PHARMACY], minBroadbandShare: 0.4');
    expect(lenient.map((f) => f.code)).toEqual(['E_SERVICE_CAN_CLOSE']);
    expect(lenient[0]!.details.minBroadbandShare).toBe(0.4);
  });

  it('gives PAYMENT deserts both flags: digital banking helps partially, cash still needs a point', async () => {
    const flags = await gapsOf('Fjärrby', 'serviceTypes: [PAYMENT]');
    expect(flags.map((f) => [f.code, f.eService])).toEqual([
      ['E_SERVICE_CAN_CLOSE', 'Digital banking'],
      ['NEW_SERVICE_POINT_NEEDED', 'Digital banking'],
    ]);
    expect(flags[0]!.reason).toContain('partially');
    expect(flags[1]!.details.essentialLimitation).toBe(true);
  });

  it('flags a single point of failure only where exactly one point is within reach', async () => {
    const ids = await server.gql<{ servicePoints: { nodes: { id: string; name: string }[] } }>(
      '{ servicePoints { nodes { id name } } }',
    );
    const centrum = ids.data!.servicePoints.nodes.find((p) => p.name === 'Centrum')!.id;
    const ensamby = await gapsOf('Ensamby');
    expect(ensamby.map((f) => f.code)).toEqual(['SINGLE_POINT_OF_FAILURE']);
    expect(ensamby[0]!.details.pointsWithinThreshold).toBe(1);
    expect(ensamby[0]!.details.pointId).toBe(centrum);
    expect(ensamby[0]!.eService).toBeNull();
    expect(await gapsOf('Apoteksby')).toEqual([]);
    expect((await gapsOf('Apoteksby', 'serviceTypes: [PAYMENT]')).map((f) => f.code)).toEqual([
      'SINGLE_POINT_OF_FAILURE',
    ]);
  });

  it('flags a nearest point across the municipal border', async () => {
    const flags = await gapsOf('Gränsby');
    expect(flags.map((f) => f.code)).toEqual(['CROSS_BORDER_NEAREST']);
    expect(flags[0]!.details.settlementMunicipality).toBe('2081');
    expect(flags[0]!.details.pointMunicipality).toBe('2085');
  });

  it('refuses a broadband share outside 0..1 and an unknown type with BAD_USER_INPUT', async () => {
    const share = await server.gql(
      '{ settlements { nodes { gaps(serviceTypes: [PHARMACY], minBroadbandShare: 1.5) { code } } } }',
    );
    expect(share.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const type = await server.gql('{ settlements { nodes { gaps(serviceTypes: [NOT_A_TYPE]) { code } } } }');
    expect(type.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  type Gap = {
    settlement: { name: string };
    peopleAffected: number;
    population65Plus: number | null;
    flags: Flag[];
  };
  interface GapPage {
    gapAnalysis: {
      totalCount: number;
      nodes: Gap[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }
  const gapQuery = `query($area: AreaInput, $codes: [GapCode!], $sortBy: GapSort, $first: Int, $after: String) {
    gapAnalysis(area: $area, serviceTypes: [PHARMACY], codes: $codes, sortBy: $sortBy, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { settlement { name } peopleAffected population65Plus flags { code } }
    } }`;
  const names = (r: { data?: GapPage }) => r.data!.gapAnalysis.nodes.map((n) => n.settlement.name);

  it('lists only settlements with flags, the most people affected (in deserts) first', async () => {
    const r = await server.gql<GapPage>(gapQuery, { area: { municipalityCode: '2085' } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.gapAnalysis.totalCount).toBe(4);
    expect(names(r)).toEqual(['Svagby', 'Fjärrby', 'Okändby', 'Ensamby']);
    expect(r.data!.gapAnalysis.nodes.map((n) => n.peopleAffected)).toEqual([500, 300, 200, 0]);
    const everywhere = await server.gql<GapPage>(gapQuery, {});
    expect(names(everywhere)).toEqual(['Svagby', 'Fjärrby', 'Okändby', 'Ensamby', 'Gränsby']);
  });

  it('pages the gap analysis with cursors', async () => {
    const first = await server.gql<GapPage>(gapQuery, { area: { municipalityCode: '2085' }, first: 3 });
    expect(names(first)).toEqual(['Svagby', 'Fjärrby', 'Okändby']);
    expect(first.data!.gapAnalysis.pageInfo.hasNextPage).toBe(true);
    const rest = await server.gql<GapPage>(gapQuery, {
      area: { municipalityCode: '2085' },
      first: 3,
      after: first.data!.gapAnalysis.pageInfo.endCursor,
    });
    expect(names(rest)).toEqual(['Ensamby']);
    expect(rest.data!.gapAnalysis.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by gap code and sorts by 65+ population or by name', async () => {
    const spof = await server.gql<GapPage>(gapQuery, { codes: ['SINGLE_POINT_OF_FAILURE'] });
    expect(names(spof)).toEqual(['Ensamby']);
    expect(spof.data!.gapAnalysis.nodes[0]!.flags.map((f) => f.code)).toEqual(['SINGLE_POINT_OF_FAILURE']);
    const area = { municipalityCode: '2085' };
    const elderly = await server.gql<GapPage>(gapQuery, { area, sortBy: 'POPULATION_65_PLUS' });
    expect(names(elderly)).toEqual(['Svagby', 'Fjärrby', 'Ensamby', 'Okändby']);
    const byName = await server.gql<GapPage>(gapQuery, { area, sortBy: 'NAME' });
    expect(names(byName)).toEqual(['Ensamby', 'Fjärrby', 'Okändby', 'Svagby']);
  });

  it('refuses a malformed area and a bad cursor with BAD_USER_INPUT', async () => {
    const area = await server.gql(gapQuery, { area: { municipalityCode: '20' } });
    expect(area.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const cursor = await server.gql(gapQuery, { after: 'nonsense' });
    expect(cursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  interface Potential {
    eServicePotential: {
      settlement: { name: string };
      potentialUsers: number;
      eService: string;
      flag: Flag;
      connectivityKnown: boolean;
    }[];
  }
  const potentialQuery = `query($w: Float, $share: Float, $known: Boolean) {
    eServicePotential(serviceType: PHARMACY, weight65Plus: $w, minBroadbandShare: $share, knownConnectivityOnly: $known) {
      settlement { name } potentialUsers eService flag { code } connectivityKnown
    } }`;

  it('ranks e-service potential by (population + weight × 65+) × broadband share, unknown broadband without the factor', async () => {
    const r = await server.gql<Potential>(potentialQuery, { w: 0.5 });
    expect(r.errors).toBeUndefined();
    const list = r.data!.eServicePotential;
    expect(list.map((p) => p.settlement.name)).toEqual(['Fjärrby', 'Okändby']);
    expect(list[0]!.potentialUsers).toBeCloseTo((300 + 0.5 * 120) * 0.9, 9);
    expect(list[0]!.eService).toBe('Online pharmacy with delivery');
    expect(list[0]!.flag.code).toBe('E_SERVICE_CAN_CLOSE');
    // Okändby: broadband unknown, 65+ unknown (0): 200 without the broadband factor.
    expect(list[1]!.potentialUsers).toBe(200);
    expect(list.map((p) => p.connectivityKnown)).toEqual([true, false]);
    const known = await server.gql<Potential>(potentialQuery, { w: 0.5, known: true });
    expect(known.data!.eServicePotential.map((p) => p.settlement.name)).toEqual(['Fjärrby']);
    const lenient = await server.gql<Potential>(potentialQuery, { w: 0.5, share: 0.4 });
    expect(
      lenient.data!.eServicePotential.map((p) => [p.settlement.name, Math.round(p.potentialUsers)]),
    ).toEqual([
      ['Fjärrby', 324],
      ['Svagby', 300],
      ['Okändby', 200],
    ]);
  });

  it('refuses a 65+ weight outside 0..1 with BAD_USER_INPUT', async () => {
    const r = await server.gql(potentialQuery, { w: 2 });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
