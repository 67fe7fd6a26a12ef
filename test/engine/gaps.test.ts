import { describe, expect, it } from 'vitest';
import { connectivityOf, type GapFlag, gapFlagsFor, rankEServicePotential } from '../../src/engine/gaps.js';
import { access, serviceType, settlement } from './fixtures/gaps/seed.js';

const codes = (flags: GapFlag[]) => flags.map((f) => f.code);

describe('gapFlagsFor', () => {
  const pharmacy = serviceType('PHARMACY'); // FULL substitute, 20 min
  const grocery = serviceType('GROCERY'); // PARTIAL substitute, 10 min
  const fuel = serviceType('FUEL'); // no substitute, 15 min
  const payment = serviceType('PAYMENT'); // PARTIAL, cash, 20 min

  it('says an e-service can close a pharmacy desert with good broadband, and names it', () => {
    const village = settlement({ id: 's1', name: 'Ösjö', broadbandShare: 0.85 });
    const flags = gapFlagsFor(village, pharmacy, {
      access: access('PHARMACY', 32, 20),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['E_SERVICE_CAN_CLOSE']);
    expect(flags[0]!.eService).toBe('Online pharmacy with delivery');
    expect(flags[0]!.reason).toBe(
      '32 min to the nearest pharmacy (threshold 20 min); 85% of households have fast broadband (≥ 80%): Online pharmacy with delivery can close the gap',
    );
    expect(flags[0]!.details).toMatchObject({
      travelMinutes: 32,
      thresholdMinutes: 20,
      broadbandShare: 0.85,
      minBroadbandShare: 0.8,
      connectivity: 'SUFFICIENT',
      adequacy: 'FULL',
      essentialLimitation: false,
    });
  });

  it('counts a broadband share exactly at the minimum as sufficient', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: 0.8 }), pharmacy, {
      access: access('PHARMACY', 25, 20),
      nearestPointMunicipality: null,
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['E_SERVICE_CAN_CLOSE']);
  });

  it('says "partially" and names the limitation for a partial substitute', () => {
    const flags = gapFlagsFor(settlement({ id: 's' }), grocery, {
      access: access('GROCERY', 14, 10),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['E_SERVICE_CAN_CLOSE']);
    expect(flags[0]!.reason).toContain('can partially close the gap');
    expect(flags[0]!.reason).toContain('fresh food and everyday top-up shopping still need a shop');
    expect(flags[0]!.details['adequacy']).toBe('PARTIAL');
  });

  it('needs a new service point for a desert with poor connectivity', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: 0.4 }), pharmacy, {
      access: access('PHARMACY', 32, 20),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.details['connectivity']).toBe('POOR');
    expect(flags[0]!.reason).toContain('poor connectivity: 40% of households have fast broadband (< 80%)');
  });

  it('names an unknown-connectivity desert as a candidate (connectivityKnown false) beside the new point it may need', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: null }), pharmacy, {
      access: access('PHARMACY', 32, 20),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['E_SERVICE_CAN_CLOSE', 'NEW_SERVICE_POINT_NEEDED']);
    for (const f of flags) {
      expect(f.details['connectivity']).toBe('UNKNOWN');
      expect(f.details['connectivityKnown']).toBe(false);
      expect(f.eService).toBe('Online pharmacy with delivery');
    }
    expect(flags[0]!.reason).toContain(
      'connectivity unknown: Online pharmacy with delivery could close the gap',
    );
    expect(flags[1]!.reason).toContain(
      'connectivity unknown: cannot tell whether Online pharmacy with delivery could close the gap',
    );
  });

  it('does not guess with knownConnectivityOnly: an unknown-connectivity desert only needs a new point', () => {
    const flags = gapFlagsFor(
      settlement({ id: 's', broadbandShare: null }),
      pharmacy,
      { access: access('PHARMACY', 32, 20), nearestPointMunicipality: '2080', pointsWithinThreshold: 0 },
      { knownConnectivityOnly: true },
    );
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.details['connectivity']).toBe('UNKNOWN');
  });

  it('needs a new service point for a desert of a type without a digital substitute, whatever the broadband', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: 1 }), fuel, {
      access: access('FUEL', 40, 15),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.eService).toBeNull();
    expect(flags[0]!.reason).toBe(
      '40 min to the nearest fuel station (threshold 15 min); there is no adequate digital substitute',
    );
  });

  it('treats a substitute of adequacy NONE like no substitute', () => {
    const none = {
      ...pharmacy,
      digitalSubstitute: { name: 'Phone line', adequacy: 'NONE' as const, limitations: null },
    };
    const flags = gapFlagsFor(settlement({ id: 's' }), none, {
      access: access('PHARMACY', 32, 20),
      nearestPointMunicipality: null,
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.details['adequacy']).toBe('NONE');
  });

  it('flags a payment desert with good broadband both as partially closable and as needing a point for cash', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: 0.95 }), payment, {
      access: access('PAYMENT', 30, 20),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['E_SERVICE_CAN_CLOSE', 'NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.reason).toContain('Digital banking can partially close the gap');
    expect(flags[1]!.reason).toContain('Digital banking does not cover cash withdrawals and cash deposits');
    expect(flags[1]!.details['essentialLimitation']).toBe(true);
  });

  it('gives a payment desert with poor broadband one new-point flag that names both reasons', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: 0.5 }), payment, {
      access: access('PAYMENT', 30, 20),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.reason).toContain('poor connectivity');
    expect(flags[0]!.reason).toContain('does not cover cash');
  });

  it('lets the essential-limitation rule be configured away', () => {
    const flags = gapFlagsFor(
      settlement({ id: 's' }),
      payment,
      { access: access('PAYMENT', 30, 20), nearestPointMunicipality: '2080', pointsWithinThreshold: 0 },
      { essentialLimitationTypes: [] },
    );
    expect(codes(flags)).toEqual(['E_SERVICE_CAN_CLOSE']);
  });

  it('treats a settlement with no point of the type at all as a desert', () => {
    const flags = gapFlagsFor(settlement({ id: 's', broadbandShare: 0.2 }), fuel, {
      access: access('FUEL', null, 15),
      nearestPointMunicipality: null,
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED']);
    expect(flags[0]!.reason).toBe(
      'no fuel station is loaded or reachable (threshold 15 min); there is no adequate digital substitute',
    );
    expect(flags[0]!.details['travelMinutes']).toBeNull();
  });

  it('flags a single point of failure when exactly one point is within the threshold', () => {
    const flags = gapFlagsFor(settlement({ id: 's', name: 'Ås' }), grocery, {
      access: access('GROCERY', 8, 10),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 1,
    });
    expect(codes(flags)).toEqual(['SINGLE_POINT_OF_FAILURE']);
    expect(flags[0]!.reason).toBe(
      'only one grocery store within 10 min: if it closes, Ås becomes a service desert',
    );
    expect(flags[0]!.details['pointsWithinThreshold']).toBe(1);
  });

  it('gives no flag to a settlement with two points within the threshold in its own municipality', () => {
    const flags = gapFlagsFor(settlement({ id: 's' }), grocery, {
      access: access('GROCERY', 8, 10),
      nearestPointMunicipality: '2080',
      pointsWithinThreshold: 2,
    });
    expect(flags).toEqual([]);
  });

  it('flags a nearest point across the municipal border and names both municipalities', () => {
    const flags = gapFlagsFor(settlement({ id: 's', municipalityCode: '2080' }), grocery, {
      access: access('GROCERY', 8, 10),
      nearestPointMunicipality: '2082',
      pointsWithinThreshold: 3,
    });
    expect(codes(flags)).toEqual(['CROSS_BORDER_NEAREST']);
    expect(flags[0]!.details).toMatchObject({ settlementMunicipality: '2080', pointMunicipality: '2082' });
    expect(flags[0]!.reason).toContain('municipality 2082');
    expect(flags[0]!.reason).toContain('municipality 2080');
  });

  it('flags a desert whose nearest point is across the border with both the gap and the border', () => {
    const flags = gapFlagsFor(settlement({ id: 's', municipalityCode: '2080' }), fuel, {
      access: access('FUEL', 20, 15),
      nearestPointMunicipality: '2082',
      pointsWithinThreshold: 0,
    });
    expect(codes(flags)).toEqual(['NEW_SERVICE_POINT_NEEDED', 'CROSS_BORDER_NEAREST']);
  });

  it('does not flag the border when either municipality is unknown', () => {
    const unknownPoint = gapFlagsFor(settlement({ id: 's' }), grocery, {
      access: access('GROCERY', 8, 10),
      nearestPointMunicipality: null,
      pointsWithinThreshold: 2,
    });
    const unknownSettlement = gapFlagsFor(settlement({ id: 's', municipalityCode: null }), grocery, {
      access: access('GROCERY', 8, 10),
      nearestPointMunicipality: '2082',
      pointsWithinThreshold: 2,
    });
    expect([...unknownPoint, ...unknownSettlement]).toEqual([]);
  });

  it('rejects a broadband minimum outside 0..1 and an access result of another type', () => {
    const facts = {
      access: access('GROCERY', 8, 10),
      nearestPointMunicipality: null,
      pointsWithinThreshold: 1,
    };
    expect(() => gapFlagsFor(settlement({ id: 's' }), grocery, facts, { minBroadbandShare: 80 })).toThrow(
      RangeError,
    );
    expect(() => gapFlagsFor(settlement({ id: 's' }), fuel, facts)).toThrow(/GROCERY, not for FUEL/);
  });

  it('does not mutate its inputs', () => {
    const village = settlement({ id: 's' });
    const facts = {
      access: access('PAYMENT', 30, 20),
      nearestPointMunicipality: '2082',
      pointsWithinThreshold: 0,
    };
    const before = JSON.stringify([village, payment, facts]);
    gapFlagsFor(village, payment, facts);
    expect(JSON.stringify([village, payment, facts])).toBe(before);
  });
});

describe('connectivityOf', () => {
  it('classifies known shares against the minimum and null as unknown', () => {
    expect([connectivityOf(0.8, 0.8), connectivityOf(0.79, 0.8), connectivityOf(null, 0.8)]).toEqual([
      'SUFFICIENT',
      'POOR',
      'UNKNOWN',
    ]);
  });
});

describe('rankEServicePotential', () => {
  const pharmacy = serviceType('PHARMACY');
  const rowFor = (
    id: string,
    name: string,
    population: number,
    pop65: number | null,
    share: number | null,
  ) => {
    const s = settlement({ id, name, population, population65Plus: pop65, broadbandShare: share });
    return {
      settlement: s,
      flags: gapFlagsFor(s, pharmacy, {
        access: access('PHARMACY', 30, 20),
        nearestPointMunicipality: null,
        pointsWithinThreshold: 0,
      }),
    };
  };

  it('ranks settlements in the gap by (population + weight·65+) × broadband share, ties by name', () => {
    const rows = [
      rowFor('a', 'Älvsbyn', 200, 100, 0.9), // (200 + 50) × 0.9 = 225
      rowFor('b', 'Ås', 300, 0, 0.9), // 300 × 0.9 = 270
      rowFor('c', 'Åsen', 250, 0, 0.9), // 225, ties with Älvsbyn: Å before Ä in Swedish
      rowFor('d', 'Poor', 1000, 0, 0.5), // poor connectivity: not in the gap
      rowFor('e', 'Unknown', 1000, 0, null), // unknown: a candidate without the broadband factor, 1000
    ];
    const ranked = rankEServicePotential(rows, 'PHARMACY', { weight65Plus: 0.5 });
    expect(ranked.map((r) => [r.settlement.name, r.potentialUsers, r.connectivityKnown])).toEqual([
      ['Unknown', 1000, false],
      ['Ås', 270, true],
      ['Åsen', 225, true],
      ['Älvsbyn', 225, true],
    ]);
    expect(ranked[0]!.flag.code).toBe('E_SERVICE_CAN_CLOSE');
  });

  it('leaves unknown connectivity out only when the flags were made with knownConnectivityOnly', () => {
    const s = settlement({ id: 'e', name: 'Unknown', population: 1000, broadbandShare: null });
    const flags = gapFlagsFor(
      s,
      pharmacy,
      { access: access('PHARMACY', 30, 20), nearestPointMunicipality: null, pointsWithinThreshold: 0 },
      { knownConnectivityOnly: true },
    );
    expect(rankEServicePotential([{ settlement: s, flags }], 'PHARMACY')).toEqual([]);
  });

  it('counts only the population when no 65+ weight is given, and only flags of the asked type', () => {
    const rows = [rowFor('a', 'A', 200, 100, 1)];
    expect(rankEServicePotential(rows, 'PHARMACY')[0]!.potentialUsers).toBe(200);
    expect(rankEServicePotential(rows, 'LIBRARY')).toEqual([]);
  });
});
