import { describe, expect, it } from 'vitest';
import { AccessEngine, computeAccessTable } from '../../src/engine/access.js';
import { closureImpact } from '../../src/engine/closure.js';
import { gapFlagsFromTable } from '../../src/engine/gaps.js';
import { distanceKm } from '../../src/engine/geodesic.js';
import { buildCoverageProblem, solveGreedy } from '../../src/engine/mclp.js';
import {
  evaluateScenario,
  prepareScenarioBaseline,
  type ScenarioChanges,
  type ScenarioInput,
  type ScenarioResult,
} from '../../src/engine/scenario/index.js';
import { estimateMinutes } from '../../src/engine/travel/model.js';
import { DEFAULT_TRAVEL_MODEL } from '../../src/engine/types.js';
import { randomCase } from './fixtures/gaps/random-case.js';
import { catalogue, seededRandom, servicePoint, settlement } from './fixtures/gaps/seed.js';
import { EngineInputError } from '../../src/engine/errors.js';
import { estimatedReach } from '../support/reach.js';

const noChanges: ScenarioChanges = { closePointIds: [], addPoints: [], thresholdMinutes: {} };
const minutesBetween = (latA: number, latB: number) =>
  estimateMinutes(distanceKm(15, latA, 15, latB), DEFAULT_TRAVEL_MODEL);

describe('evaluateScenario on a hand-made valley', () => {
  // Along the meridian 15°E; the grocery threshold is 10 min ≈ 8.64 km ≈ 0.078° of latitude.
  const settlements = [
    settlement({ id: 'A', lat: 60.0, population: 100, municipalityCode: '2080' }),
    settlement({ id: 'B', lat: 60.05, population: 200, municipalityCode: '2080' }),
    settlement({ id: 'C', lat: 60.2, population: 300, population65Plus: 90, municipalityCode: '2082' }),
    settlement({ id: 'D', lat: 60.5, population: 50, population65Plus: 20, municipalityCode: '2082' }),
  ];
  const points = [
    servicePoint({ id: 'g1', lat: 60.0, municipalityCode: '2080' }),
    servicePoint({ id: 'g2', lat: 60.06, municipalityCode: '2080' }),
    servicePoint({ id: 'g3', lat: 60.21, municipalityCode: '2082' }),
  ];
  const input = (changes: ScenarioChanges): ScenarioInput => ({
    settlements,
    points,
    catalogue: catalogue(),
    types: ['GROCERY'],
    model: DEFAULT_TRAVEL_MODEL,
    changes,
    groupBy: 'MUNICIPALITY',
  });
  // Close g3 (C's only shop); open n1 near D.
  const changes: ScenarioChanges = {
    closePointIds: ['g3'],
    addPoints: [
      {
        id: 'n1',
        name: 'New shop',
        lon: 15,
        lat: 60.45,
        serviceTypes: ['GROCERY'],
        municipalityCode: '2082',
      },
    ],
    thresholdMinutes: {},
  };

  it('reports who gains and who loses access, with minutes before and after', () => {
    const [grocery] = evaluateScenario(input(changes)).types;
    expect(grocery!.losingAccess).toEqual([
      {
        settlementIndex: 2,
        settlementId: 'C',
        pointIdBefore: 'g3',
        pointIdAfter: 'g2',
        minutesBefore: minutesBetween(60.2, 60.21), // ≈ 1.3
        minutesAfter: minutesBetween(60.2, 60.06), // ≈ 18.0
        withinBefore: true,
        withinAfter: false,
      },
    ]);
    expect(grocery!.gainingAccess.map((c) => [c.settlementId, c.pointIdBefore, c.pointIdAfter])).toEqual([
      ['D', 'g3', 'n1'],
    ]);
    expect(grocery!.accessChanged.map((c) => c.settlementId)).toEqual(['C', 'D']);
    expect([grocery!.populationGainingAccess, grocery!.populationLosingAccess]).toEqual([50, 300]);
  });

  it('gives indicator deltas for the one municipality that changed', () => {
    const [grocery] = evaluateScenario(input(changes)).types;
    expect(grocery!.indicatorDeltas.map((d) => d.areaCode)).toEqual(['2082']);
    const delta = grocery!.indicatorDeltas[0]!;
    const meanBefore = (300 * minutesBetween(60.2, 60.21) + 50 * minutesBetween(60.5, 60.21)) / 350;
    const meanAfter = (300 * minutesBetween(60.2, 60.06) + 50 * minutesBetween(60.5, 60.45)) / 350;
    expect(delta.before.populationBeyondThreshold).toBe(50);
    expect(delta.after.populationBeyondThreshold).toBe(300);
    expect(delta.delta.populationBeyondThreshold).toBe(250);
    expect(delta.delta.population65PlusBeyondThreshold).toBe(70);
    expect(delta.delta.settlementsBeyondThreshold).toBe(0);
    expect(delta.delta.meanMinutesPopulationWeighted).toBeCloseTo(meanAfter - meanBefore, 9);
  });

  it('lists the gap flags that appear and vanish', () => {
    const [grocery] = evaluateScenario(input(changes)).types;
    const summary = grocery!.flagChanges.map((f) => ({
      id: f.settlementId,
      appeared: f.appeared.map((x) => x.code),
      vanished: f.vanished.map((x) => x.code),
    }));
    expect(summary).toEqual([
      // C was one closure from a desert; now it is one, its nearest shop across the border in 2080.
      {
        id: 'C',
        appeared: ['E_SERVICE_CAN_CLOSE', 'CROSS_BORDER_NEAREST'],
        vanished: ['SINGLE_POINT_OF_FAILURE'],
      },
      // D gets its first shop within reach, and only one.
      { id: 'D', appeared: ['SINGLE_POINT_OF_FAILURE'], vanished: ['E_SERVICE_CAN_CLOSE'] },
    ]);
  });

  it('applies threshold overrides to the baseline and the scenario alike', () => {
    // At 20 min C still reaches g2 (≈ 18 min) after the closure: no one loses access.
    const [grocery] = evaluateScenario(input({ ...changes, thresholdMinutes: { GROCERY: 20 } })).types;
    expect(grocery!.thresholdMinutes).toBe(20);
    expect(grocery!.losingAccess).toEqual([]);
    expect(grocery!.accessChanged.map((c) => c.settlementId)).toEqual(['C', 'D']);
  });

  it('flags a new nearest point across the border even when access stays within reach', () => {
    // Close g2 (B's nearest) and open n2 just north of B in municipality 2082: B keeps two shops within reach.
    const [grocery] = evaluateScenario(
      input({
        ...noChanges,
        closePointIds: ['g2'],
        addPoints: [
          {
            id: 'n2',
            name: 'Border shop',
            lon: 15,
            lat: 60.055,
            serviceTypes: ['GROCERY'],
            municipalityCode: '2082',
          },
        ],
      }),
    ).types;
    const b = grocery!.accessChanged.find((c) => c.settlementId === 'B')!;
    expect([b.pointIdBefore, b.pointIdAfter, b.withinBefore, b.withinAfter]).toEqual([
      'g2',
      'n2',
      true,
      true,
    ]);
    const flags = grocery!.flagChanges.find((f) => f.settlementId === 'B')!;
    expect(flags.appeared.map((f) => f.code)).toEqual(['CROSS_BORDER_NEAREST']);
    expect(flags.vanished).toEqual([]);
  });

  it('changes nothing when nothing changes', () => {
    const [grocery] = evaluateScenario(input(noChanges)).types;
    expect(grocery).toMatchObject({
      accessChanged: [],
      indicatorDeltas: [],
      flagChanges: [],
      recomputedSettlements: 0,
    });
  });

  it('rejects an unknown point id, a duplicate added id and a bad threshold, naming them', () => {
    expect(() => evaluateScenario(input({ ...noChanges, closePointIds: ['nope'] }))).toThrow(
      new EngineInputError('closePointIds: no open service point with id nope'),
    );
    const again = { ...changes.addPoints[0]!, id: 'g1' };
    expect(() => evaluateScenario(input({ ...noChanges, addPoints: [again] }))).toThrow(
      /id g1 already exists/,
    );
    expect(() => evaluateScenario(input({ ...noChanges, thresholdMinutes: { GROCERY: -5 } }))).toThrow(
      /thresholdMinutes.GROCERY/,
    );
  });
});

describe('evaluateScenario invariants on seeded random cases', () => {
  const types = ['GROCERY', 'PHARMACY', 'FUEL'];
  const cases = [1, 2, 3, 4, 5, 6].map((seed) => ({
    seed,
    ...randomCase({ seed, settlements: 500, points: 50, types }),
  }));
  const inputFor = (c: (typeof cases)[number], changes: ScenarioChanges): ScenarioInput => ({
    settlements: c.settlements,
    points: c.points,
    catalogue: catalogue(),
    types,
    model: DEFAULT_TRAVEL_MODEL,
    changes,
    groupBy: 'MUNICIPALITY',
  });
  // The incremental path adds and takes away contributions to the population-weighted mean minutes, where
  // the full path sums afresh: equal up to rounding, so compare floats to 1e-9 minutes.
  const rounded = (value: unknown): unknown =>
    typeof value === 'number'
      ? Number.isInteger(value) || !Number.isFinite(value)
        ? value
        : Math.round(value * 1e9) / 1e9
      : Array.isArray(value)
        ? value.map(rounded)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]))
          : value;
  const strip = (r: ScenarioResult) =>
    rounded({ ...r, method: '', types: r.types.map((t) => ({ ...t, recomputedSettlements: 0 })) });

  it('closing a point changes exactly the settlements whose nearest it was', () => {
    for (const c of cases) {
      const engine = new AccessEngine(c.points, catalogue());
      const table = computeAccessTable(c.settlements, engine, 'GROCERY');
      const grocery = engine.index('GROCERY').points;
      for (const pi of [0, 1, Math.floor(grocery.length / 2)]) {
        const closed = grocery[pi]!.id;
        const result = evaluateScenario(inputFor(c, { ...noChanges, closePointIds: [closed] }));
        const changed = result.types
          .find((t) => t.serviceType === 'GROCERY')!
          .accessChanged.map((x) => x.settlementIndex);
        const servedBy = c.settlements.map((_, i) => i).filter((i) => table.pointIndex[i] === pi);
        expect(changed, `seed ${c.seed}, closing ${closed}`).toEqual(servedBy);
      }
    }
  });

  it('the population losing access when a point closes equals its closure impact', () => {
    const c = cases[0]!;
    const engine = new AccessEngine(c.points, catalogue());
    const table = computeAccessTable(c.settlements, engine, 'PHARMACY', { k: 2 });
    const baseline = prepareScenarioBaseline(inputFor(c, noChanges));
    const impacts = closureImpact(c.settlements, table, table.thresholdMinutes);
    expect(impacts.some((r) => r.populationLosingAccess > 0)).toBe(true);
    for (const impact of impacts) {
      const id = engine.index('PHARMACY').points[impact.pointIndex]!.id;
      const result = evaluateScenario(inputFor(c, { ...noChanges, closePointIds: [id] }), { baseline });
      const pharmacy = result.types.find((t) => t.serviceType === 'PHARMACY')!;
      expect(pharmacy.populationLosingAccess, `closing ${id}`).toBe(impact.populationLosingAccess);
      expect(pharmacy.losingAccess.map((x) => x.settlementIndex)).toEqual(impact.settlementIndices);
    }
  });

  it('the incremental evaluation equals a full recompute for random closures and additions', () => {
    let recomputedInAll = 0;
    for (const c of cases) {
      const random = seededRandom(c.seed * 101);
      const closePointIds = c.points.filter(() => random() < 0.15).map((p) => p.id);
      const addPoints = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => ({
        id: `new${k}`,
        name: `New ${k}`,
        lon: 15 + random(),
        lat: 60 + random(),
        serviceTypes: types.filter(() => random() < 0.6),
        municipalityCode: k === 0 ? null : 'M1_1',
      }));
      const input = inputFor(c, { closePointIds, addPoints, thresholdMinutes: { FUEL: 12 } });
      const baseline = prepareScenarioBaseline(input);
      const incremental = evaluateScenario(input, { baseline });
      const full = evaluateScenario(input, { baseline, strategy: 'FULL' });
      expect(incremental.types.some((t) => t.accessChanged.length > 0)).toBe(true);
      expect(strip(incremental), `seed ${c.seed}`).toEqual(strip(full));
      recomputedInAll += incremental.types.reduce((n, t) => n + t.recomputedSettlements, 0);

      // Independent oracle for the flags: every settlement's flags from two fresh k = 2 tables, diffed by code.
      const closed = new Set(closePointIds);
      const engines = [
        new AccessEngine(c.points, catalogue()),
        new AccessEngine([...c.points.filter((p) => !closed.has(p.id)), ...addPoints], catalogue()),
      ] as const;
      for (const result of incremental.types) {
        const code = result.serviceType;
        const type = catalogue().find((t) => t.code === code)!;
        const [flagsBefore, flagsAfter] = engines.map((engine) => {
          const table = computeAccessTable(c.settlements, engine, code, {
            k: 2,
            thresholdMinutes: result.thresholdMinutes,
          });
          const typePoints = engine.index(code).points;
          return c.settlements.map((s, i) =>
            gapFlagsFromTable(s, table, i, typePoints, type).map((f) => f.code),
          );
        });
        const expected = c.settlements.flatMap((s, i) => {
          const appeared = flagsAfter![i]!.filter((f) => !flagsBefore![i]!.includes(f));
          const vanished = flagsBefore![i]!.filter((f) => !flagsAfter![i]!.includes(f));
          return appeared.length + vanished.length > 0 ? [{ id: s.id, appeared, vanished }] : [];
        });
        const actual = result.flagChanges.map((f) => ({
          id: f.settlementId,
          appeared: f.appeared.map((x) => x.code),
          vanished: f.vanished.map((x) => x.code),
        }));
        expect(actual, `seed ${c.seed}, ${code}`).toEqual(expected);
      }
    }
    // Rows are searched again, not all of them: a type where most rows change (seed 1 closes 14 of 50
    // points) is read in full, the cheaper way, and still equals the full recompute.
    expect(recomputedInAll).toBeLessThan(0.75 * cases.length * types.length * cases[0]!.settlements.length);
  });

  it('the incremental evaluation equals a full recompute for more than 64 changes (closures and additions)', () => {
    // Many changed points: the provider searches the rows again through the new points' index and finds
    // the rows near added points through the origins' index and the wide second discs.
    const big = randomCase({ seed: 77, settlements: 4000, points: 400, types });
    const random = seededRandom(7707);
    const closePointIds = big.points.filter(() => random() < 0.08).map((p) => p.id);
    const addPoints = Array.from({ length: 60 }, (_, k) => ({
      id: `many${k}`,
      name: `Many ${k}`,
      lon: 15 + random(),
      lat: 60 + random(),
      serviceTypes: types.filter(() => random() < 0.5),
      municipalityCode: k % 2 === 0 ? null : 'M1_1',
    }));
    // Some on top of kept points: exact ties, broken by id.
    for (let k = 0; k < 5; k++) {
      const p = big.points[Math.floor(random() * big.points.length)]!;
      addPoints.push({ ...addPoints[k]!, id: `tie${k}`, lon: p.lon, lat: p.lat, serviceTypes: [...types] });
    }
    expect(closePointIds.length + addPoints.length).toBeGreaterThan(64);
    const input: ScenarioInput = {
      settlements: big.settlements,
      points: big.points,
      catalogue: catalogue(),
      types,
      model: DEFAULT_TRAVEL_MODEL,
      changes: { closePointIds, addPoints, thresholdMinutes: { PHARMACY: 9 } },
      groupBy: 'COUNTY',
    };
    const baseline = prepareScenarioBaseline(input);
    const incremental = evaluateScenario(input, { baseline });
    const full = evaluateScenario(input, { baseline, strategy: 'FULL' });
    expect(strip(incremental)).toEqual(strip(full));
    for (const t of incremental.types) {
      expect(t.accessChanged.length, t.serviceType).toBeGreaterThan(0);
      expect(t.recomputedSettlements, t.serviceType).toBeLessThan(big.settlements.length / 2);
    }
  });

  it('the incremental indicators equal a full recompute when settlements sit exactly on a share-within step', () => {
    // With 5 fixed minutes, a settlement on top of a point is exactly 5 min away: the 5-minute share must
    // count it (minutes ≤ 5) both in the cached baseline sums and after the change.
    const c = cases[1]!;
    const onTop = c.points.slice(0, 40).map((p, k) => ({ ...c.settlements[k]!, lon: p.lon, lat: p.lat }));
    const settlements = [...onTop, ...c.settlements.slice(40)];
    const input: ScenarioInput = {
      ...inputFor(c, noChanges),
      settlements,
      model: { ...DEFAULT_TRAVEL_MODEL, fixedMinutes: 5 },
      changes: { ...noChanges, closePointIds: c.points.slice(40, 48).map((p) => p.id) },
    };
    const baseline = prepareScenarioBaseline(input);
    const incremental = evaluateScenario(input, { baseline });
    const full = evaluateScenario(input, { baseline, strategy: 'FULL' });
    const fiveMinuteShares = incremental.types.flatMap((t) =>
      t.indicatorDeltas.map((d) => d.before.shareWithin[0]!.share),
    );
    expect(fiveMinuteShares.some((share) => share > 0)).toBe(true);
    expect(strip(incremental)).toEqual(strip(full));
  });

  it('adding the suggested sites never lowers coverage and gains exactly what the suggestion promised', () => {
    for (const c of cases.slice(0, 3)) {
      const bundle = ['GROCERY', 'PHARMACY'];
      const engine = new AccessEngine(c.points, catalogue());
      const tables = bundle.map((t) => computeAccessTable(c.settlements, engine, t));
      const problem = buildCoverageProblem({
        settlements: c.settlements,
        weighting: 'POPULATION',
        candidates: c.settlements,
        types: bundle,
        thresholdMinutes: Object.fromEntries(tables.map((t) => [t.serviceType, t.thresholdMinutes])),
        currentWithin: Object.fromEntries(tables.map((t) => [t.serviceType, t.within])),
        reach: estimatedReach(c.settlements, DEFAULT_TRAVEL_MODEL, bundle),
      });
      const suggestion = solveGreedy(problem, 2);
      expect(suggestion.coveredAfter).toBeGreaterThan(suggestion.coveredBefore);
      const addPoints = suggestion.sites.map((site, k) => {
        const at = c.settlements[site.candidate]!;
        return {
          id: `site${k}`,
          name: at.name,
          lon: at.lon,
          lat: at.lat,
          serviceTypes: bundle,
          municipalityCode: null,
        };
      });
      const result = evaluateScenario({ ...inputFor(c, { ...noChanges, addPoints }), types: bundle });
      const gained = result.types.reduce((n, t) => n + t.populationGainingAccess, 0);
      expect(result.types.every((t) => t.populationLosingAccess === 0)).toBe(true);
      expect(gained, `seed ${c.seed}`).toBe(suggestion.coveredAfter - suggestion.coveredBefore);
    }
  });
});
