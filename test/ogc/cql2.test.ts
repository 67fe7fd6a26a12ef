import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bindFilter,
  type Evaluable,
  type Expr,
  matches,
  parseCql2Json,
  parseCql2Text,
  type QueryableType,
} from '../../src/ogc/cql2.js';
import { parseCrs } from '../../src/ogc/crs.js';
import { OgcError } from '../../src/ogc/errors.js';

const Q: Record<string, QueryableType> = {
  geometry: 'geometry',
  name: 'string',
  population: 'integer',
  grocery_minutes: 'number',
  grocery_within: 'boolean',
  municipalityCode: 'string',
  validFrom: 'date',
};

const feature = (p: Partial<Evaluable['properties']>, lon = 15, lat = 60): Evaluable => ({
  properties: {
    name: 'Borlänge',
    population: 500,
    grocery_minutes: 12.5,
    grocery_within: false,
    municipalityCode: '2081',
    validFrom: '2024-01-01',
    ...p,
  },
  geometry: { type: 'Point', coordinates: [lon, lat] },
});

const text = (s: string): Expr => bindFilter(parseCql2Text(s), Q);
const json = (v: unknown): Expr => bindFilter(parseCql2Json(JSON.stringify(v)), Q);

/** The refusal a filter gets (400 InvalidParameterValue on `filter`), as its message. */
function refusal(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(OgcError);
    expect((error as OgcError).status).toBe(400);
    expect((error as OgcError).parameter).toBe('filter');
    return (error as OgcError).message;
  }
  throw new Error('expected a refusal');
}

describe('cql2-text', () => {
  it('evaluates the issue example: population > 200 AND grocery_within = false', () => {
    const e = text('population > 200 AND grocery_within = false');
    expect(matches(e, feature({}))).toBe(true);
    expect(matches(e, feature({ population: 150 }))).toBe(false);
    expect(matches(e, feature({ grocery_within: true }))).toBe(false);
  });

  it('comparison, logical, IN, BETWEEN, LIKE, IS NULL and NOT with precedence (AND binds tighter than OR)', () => {
    const f = feature({});
    expect(matches(text("population >= 500 AND NOT (name = 'Falun')"), f)).toBe(true);
    expect(matches(text('population < 100 OR population > 400 AND grocery_minutes < 13'), f)).toBe(true);
    expect(matches(text('(population < 100 OR population > 400) AND grocery_minutes < 12'), f)).toBe(false);
    expect(matches(text("municipalityCode IN ('2080', '2081')"), f)).toBe(true);
    expect(matches(text("municipalityCode NOT IN ('2080', '2081')"), f)).toBe(false);
    expect(matches(text('population BETWEEN 500 AND 600'), f)).toBe(true);
    expect(matches(text('population NOT BETWEEN 501 AND 600'), f)).toBe(true);
    expect(matches(text("name LIKE 'Borl%'"), f)).toBe(true);
    expect(matches(text("name LIKE 'B_rlänge'"), f)).toBe(true);
    expect(matches(text("name NOT LIKE '%x%'"), f)).toBe(true);
    expect(matches(text('grocery_minutes IS NULL'), f)).toBe(false);
    expect(matches(text('grocery_minutes IS NOT NULL'), f)).toBe(true);
    expect(matches(text("validFrom > DATE('2023-12-31')"), f)).toBe(true);
    expect(matches(text('grocery_minutes > -1.5e1'), f)).toBe(true);
    expect(matches(text('"population" = 500'), f)).toBe(true);
    expect(matches(text("name = 'O''Hara'"), feature({ name: "O'Hara" }))).toBe(true);
  });

  it('keywords are case-insensitive; property-to-property comparisons work', () => {
    expect(matches(text('population > 1 and not grocery_within = true'), feature({}))).toBe(true);
    expect(matches(text('grocery_minutes < population'), feature({}))).toBe(true);
  });

  it('is three-valued: a comparison with null is unknown, and NOT unknown is still unknown', () => {
    const f = feature({ grocery_minutes: null });
    expect(matches(text('grocery_minutes > 5'), f)).toBe(false);
    expect(matches(text('NOT (grocery_minutes > 5)'), f)).toBe(false);
    expect(matches(text('grocery_minutes > 5 OR population > 1'), f)).toBe(true);
    expect(matches(text('grocery_minutes IS NULL'), f)).toBe(true);
  });

  it('S_INTERSECTS with a polygon, a bbox, a point and a multipolygon', () => {
    const square = 'POLYGON((14 59, 16 59, 16 61, 14 61, 14 59))';
    expect(matches(text(`S_INTERSECTS(geometry, ${square})`), feature({}, 15, 60))).toBe(true);
    expect(matches(text(`S_INTERSECTS(geometry, ${square})`), feature({}, 17, 60))).toBe(false);
    expect(matches(text('S_INTERSECTS(geometry, BBOX(14, 59, 16, 61))'), feature({}, 15.5, 59.5))).toBe(true);
    expect(matches(text('S_INTERSECTS(geometry, POINT(15 60))'), feature({}, 15, 60))).toBe(true);
    expect(
      matches(
        text('S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((14 59, 16 59, 16 61, 14 59))))'),
        feature({}, 15.9, 59.1),
      ),
    ).toBe(true);
  });

  it('S_INTERSECTS agrees with an independent point-in-polygon test on random points', () => {
    const ring: [number, number][] = [
      [14, 59],
      [16.5, 59.2],
      [15.8, 60.1],
      [16.4, 61],
      [14.2, 60.7],
      [14, 59],
    ];
    const wkt = `POLYGON((${ring.map(([x, y]) => `${x} ${y}`).join(', ')}))`;
    const e = text(`S_INTERSECTS(geometry, ${wkt})`);
    const inside = (x: number, y: number) => {
      let c = false;
      for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
        const [xi, yi] = ring[i]!;
        const [xj, yj] = ring[j]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
      }
      return c;
    };
    fc.assert(
      fc.property(
        fc.double({ min: 13.5, max: 17, noNaN: true }),
        fc.double({ min: 58.5, max: 61.5, noNaN: true }),
        (x, y) => {
          fc.pre(Math.abs(x - 15.8) > 1e-6 || Math.abs(y - 60.1) > 1e-6);
          expect(matches(e, feature({}, x, y))).toBe(inside(x, y));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('moves geometry literals from filter-crs (EPSG:3006, northing first) into CRS84', () => {
    // A small box around (15, 60) in SWEREF 99 TM: northing ≈ 6 653 000, easting ≈ 500 000.
    const e = bindFilter(parseCql2Text('S_INTERSECTS(geometry, BBOX(6650000, 495000, 6656000, 505000))'), Q, {
      crs: parseCrs('http://www.opengis.net/def/crs/EPSG/0/3006', 'filter-crs'),
    });
    expect(matches(e, feature({}, 15, 60))).toBe(true);
    expect(matches(e, feature({}, 15.5, 60))).toBe(false);
  });

  it('refuses malformed filters, unknown properties and type mismatches with 400 naming the fault', () => {
    expect(refusal(() => text('population >'))).toMatch(
      /malformed CQL2 filter: expected a property or a value/,
    );
    expect(refusal(() => text("name = 'open"))).toMatch(/unterminated string/);
    expect(refusal(() => text('population > 200 AND'))).toMatch(/malformed/);
    expect(refusal(() => text('population != 3'))).toMatch(/use '<>'/);
    expect(refusal(() => text('(population > 3'))).toMatch(/expected '\)'/);
    expect(refusal(() => text('nosuch > 3'))).toMatch(
      /unknown property 'nosuch'.*queryables: geometry, name/,
    );
    expect(refusal(() => text("population > 'many'"))).toMatch(
      /property 'population' is number but is compared with a string/,
    );
    expect(refusal(() => text('grocery_within > true'))).toMatch(/does not order booleans/);
    expect(refusal(() => text('S_WITHIN(geometry, POINT(1 2))'))).toMatch(/S_WITHIN is not supported/);
    expect(refusal(() => text('S_INTERSECTS(geometry, POLYGON((1 1, 2 2, 1 1)))'))).toMatch(
      /at least 4 positions/,
    );
    expect(refusal(() => text('S_INTERSECTS(geometry, POLYGON((1 1, 2 2, 3 1, 1 2)))'))).toMatch(/closed/);
    expect(refusal(() => text('S_INTERSECTS(geometry, POINT(200 10))'))).toMatch(/outside longitude/);
    expect(refusal(() => text("validFrom > DATE('2024-13-45')"))).toMatch(/not a date/);
    expect(refusal(() => text(`${'('.repeat(60)}population > 1${')'.repeat(60)}`))).toMatch(/nested deeper/);
    expect(refusal(() => text(' '))).toMatch(/empty/);
    expect(refusal(() => text('foo()'))).toMatch(/function foo\(\) is not supported/);
  });
});

describe('cql2-json', () => {
  it('parses to the same meaning as the text encoding', () => {
    const pairs: [string, unknown][] = [
      [
        'population > 200 AND grocery_within = false',
        {
          op: 'and',
          args: [
            { op: '>', args: [{ property: 'population' }, 200] },
            { op: '=', args: [{ property: 'grocery_within' }, false] },
          ],
        },
      ],
      ["municipalityCode IN ('2081')", { op: 'in', args: [{ property: 'municipalityCode' }, ['2081']] }],
      ['population BETWEEN 100 AND 600', { op: 'between', args: [{ property: 'population' }, 100, 600] }],
      ['grocery_minutes IS NULL', { op: 'isNull', args: [{ property: 'grocery_minutes' }] }],
      ["NOT (name LIKE 'F%')", { op: 'not', args: [{ op: 'like', args: [{ property: 'name' }, 'F%'] }] }],
      [
        'S_INTERSECTS(geometry, POLYGON((14 59, 16 59, 16 61, 14 61, 14 59)))',
        {
          op: 's_intersects',
          args: [
            { property: 'geometry' },
            {
              type: 'Polygon',
              coordinates: [
                [
                  [14, 59],
                  [16, 59],
                  [16, 61],
                  [14, 61],
                  [14, 59],
                ],
              ],
            },
          ],
        },
      ],
      [
        "validFrom >= DATE('2024-01-01')",
        { op: '>=', args: [{ property: 'validFrom' }, { date: '2024-01-01' }] },
      ],
    ];
    const features = [
      feature({}),
      feature({ population: 50, grocery_minutes: null }),
      feature({ name: 'Falun', grocery_within: true }, 17, 62),
      feature({ municipalityCode: '2080', validFrom: '2020-05-05' }, 14.5, 59.5),
    ];
    for (const [t, j] of pairs) {
      for (const f of features) expect(matches(json(j), f), t).toBe(matches(text(t), f));
    }
  });

  it('refuses malformed JSON filters with 400', () => {
    expect(refusal(() => json({ op: 'and', args: [true] }))).toMatch(/at least 2/);
    expect(refusal(() => json({ op: '>', args: [{ property: 'population' }] }))).toMatch(/takes 2 arguments/);
    expect(refusal(() => json({ op: 'frobnicate', args: [] }))).toMatch(/not supported/);
    expect(refusal(() => json({ args: [] }))).toMatch(/needs "op"/);
    expect(refusal(() => parseCql2Json('{"op":'))).toMatch(/not JSON/);
    expect(
      refusal(() =>
        json({
          op: 's_intersects',
          args: [{ property: 'geometry' }, { type: 'Polygon', coordinates: [[[1, 'x']]] }],
        }),
      ),
    ).toMatch(/finite numbers/);
  });
});

describe('fuzzed filter text', () => {
  it('any string either parses or is refused with a 400 OgcError (never another exception)', () => {
    const pieces = fc.constantFrom(
      'population',
      'name',
      '>',
      '<',
      '=',
      '<>',
      'AND',
      'OR',
      'NOT',
      '(',
      ')',
      "'x'",
      '12',
      '-3.5',
      'IN',
      'BETWEEN',
      'LIKE',
      'IS',
      'NULL',
      'TRUE',
      ',',
      'S_INTERSECTS',
      'POLYGON',
      'BBOX',
      'POINT',
      'geometry',
      '"name"',
      'DATE',
      "'",
      '"',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.array(pieces, { maxLength: 25 }).map((a) => a.join(' ')),
        ),
        (s) => {
          try {
            const e = text(s);
            matches(e, feature({}));
          } catch (error) {
            expect(error).toBeInstanceOf(OgcError);
            expect((error as OgcError).status).toBe(400);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
