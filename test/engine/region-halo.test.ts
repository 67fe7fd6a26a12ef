/**
 * The halo of a regional partition (engine/region-halo.ts): over the generated country, the k = 2 table of
 * every type for a partition's origins over its halo points equals the whole table's rows for those
 * origins — nearest and second nearest, km, minutes and verdicts — and the reach radius alone would not do.
 */
import { describe, expect, it } from 'vitest';
import { catalogue, generateCountry, seededRandom } from '../../bench/country-case.js';
import { AccessEngine, computeAccessTable } from '../../src/engine/access.js';
import { haloPoints, haloRadiusKm } from '../../src/engine/region-halo.js';
import { PointIndex } from '../../src/engine/spatial-index.js';
import { reachRadiusKm, searchRadiusKm } from '../../src/engine/travel/model.js';
import { DEFAULT_TRAVEL_MODEL } from '../../src/engine/types.js';

const model = DEFAULT_TRAVEL_MODEL;
const { origins, points } = generateCountry(seededRandom(7), { origins: 4_000, points: 250 });
// A partition: the origins west of 15.5° E.
const region = origins.filter((o) => o.lon < 15.5);

/** The rows of a k = 2 table as comparable values, each point named by id. */
function rows(engine: AccessEngine, code: string, at: readonly { lon: number; lat: number }[]) {
  const t = computeAccessTable(at, engine, code, { model, k: 2 });
  const id = (j: number) => (j >= 0 ? engine.index(code).points[j]!.id : null);
  return at.map((_, i) => ({
    nearest: id(t.pointIndex[i]!),
    km: t.straightKm[i],
    minutes: t.minutes[i],
    second: id(t.secondPointIndex![i]!),
    secondKm: t.secondStraightKm![i],
  }));
}

describe('haloPoints', () => {
  it('is as wide as the widest reach of any type (the engine’s reach radius and search slack)', () => {
    const widest = Math.max(...catalogue.map((t) => reachRadiusKm(t.thresholdMinutes, model, t.thresholdKm)));
    expect(haloRadiusKm(catalogue, model)).toBe(searchRadiusKm(widest));
  });

  it('gives a partition’s origins the whole instance’s two nearest points of every type', () => {
    const whole = new AccessEngine(points, catalogue);
    const halo = haloPoints(points, region, catalogue, model);
    expect(halo.length).toBeLessThan(points.length);
    const part = new AccessEngine(halo, catalogue);
    for (const t of catalogue) expect(rows(part, t.code, region)).toEqual(rows(whole, t.code, region));
  });

  it('needs the two-nearest rule: the reach halo alone names other points beyond reach', () => {
    const radius = haloRadiusKm(catalogue, model);
    const index = new PointIndex(
      region.map((o, i) => ({ id: `${i}`, name: '', ...o, serviceTypes: [], municipalityCode: null })),
    );
    const reachOnly = points.filter((p) => index.nearest(p.lon, p.lat, 1, radius).length > 0);
    const whole = new AccessEngine(points, catalogue);
    const part = new AccessEngine(reachOnly, catalogue);
    const differing = catalogue.filter(
      (t) => JSON.stringify(rows(part, t.code, region)) !== JSON.stringify(rows(whole, t.code, region)),
    );
    expect(differing.length).toBeGreaterThan(0);
  });
});
