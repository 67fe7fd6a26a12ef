import { describe, expect, it } from 'vitest';
import {
  ImportValidationError,
  type RawRecord,
  parseFieldMap,
  readAllRecords,
  validateSettlements,
} from '../../src/import/index.js';
import { csvRecord, featureRecord, fixture } from './helpers.js';

const FILE = 'settlements.csv';
const base = { name: 'Ludvika', population: '15614', lon: '15.19426', lat: '60.12909' };

function validate(records: RawRecord[], crs: 'EPSG:4326' | 'EPSG:3006' = 'EPSG:4326', map?: string) {
  return validateSettlements(records, { file: FILE, crs, fieldMap: parseFieldMap(map, 'settlements') });
}

/** The error messages for one CSV row with `overrides` applied to a valid base row. */
function errorsFor(overrides: Record<string, string>): string[] {
  return validate([csvRecord({ ...base, ...overrides })]).errors.map((e) => e.message);
}

describe('validating settlements', () => {
  it('turns a complete row into a settlement row', () => {
    const { rows, errors } = validate([
      csvRecord({
        ...base,
        population65Plus: '3900',
        kind: 'tatort',
        municipalityCode: '2085',
        countyCode: '20',
        broadbandShare: '0.92',
        externalId: '2085TC110',
      }),
    ]);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        name: 'Ludvika',
        population: 15614,
        population65Plus: 3900,
        kind: 'TATORT',
        municipalityCode: '2085',
        countyCode: '20',
        broadbandShare: 0.92,
        externalId: '2085TC110',
        x: 15.19426,
        y: 60.12909,
        crs: 'EPSG:4326',
      },
    ]);
  });

  it('requires a name', () => {
    expect(errorsFor({ name: ' ' })).toEqual([`${FILE}: line 2, field "name": is required`]);
  });

  it('requires the population to be a non-negative integer', () => {
    expect(errorsFor({ population: '-3' })).toEqual([
      `${FILE}: line 2, field "population": must be a non-negative integer (got "-3")`,
    ]);
    expect(errorsFor({ population: '1234.0' })).toEqual([
      `${FILE}: line 2, field "population": must be a non-negative integer (got "1234.0")`,
    ]);
    expect(errorsFor({ population: '1 234' })[0]).toMatch(/remove the thousands separators$/);
    expect(errorsFor({ population: '' })).toEqual([`${FILE}: line 2, field "population": is required`]);
  });

  it('accepts integer JSON numbers and rejects fractional ones', () => {
    const ok = validate([featureRecord({ name: 'A', population: 250 })]);
    expect(ok.rows[0]!.population).toBe(250);
    const bad = validate([featureRecord({ name: 'A', population: 12.5 }, [15, 60], 4)]);
    expect(bad.errors.map((e) => e.message)).toEqual([
      `${FILE}: feature 4, field "population": must be a non-negative integer (got 12.5)`,
    ]);
  });

  it('requires population65Plus to be an integer no larger than the population', () => {
    expect(errorsFor({ population: '100', population65Plus: '101' })).toEqual([
      `${FILE}: line 2, field "population65Plus": must not exceed population 100 (got 101)`,
    ]);
    expect(errorsFor({ population65Plus: 'many' })[0]).toMatch(
      /field "population65Plus": must be a non-negative integer/,
    );
  });

  it('infers the kind from SCB’s thresholds when the file has none', () => {
    const kinds = ['200', '199', '50', '49', '0'].map(
      (population) => validate([csvRecord({ ...base, population })]).rows[0]!.kind,
    );
    expect(kinds).toEqual(['TATORT', 'SMAORT', 'SMAORT', 'VILLAGE', 'VILLAGE']);
  });

  it('takes an explicit kind case-insensitively and rejects unknown kinds', () => {
    expect(validate([csvRecord({ ...base, kind: 'grid_cell' })]).rows[0]!.kind).toBe('GRID_CELL');
    expect(errorsFor({ kind: 'CITY' })).toEqual([
      `${FILE}: line 2, field "kind": must be one of TATORT, SMAORT, VILLAGE, GRID_CELL (got "CITY")`,
    ]);
  });

  it('pads a municipality code whose leading zero a spreadsheet dropped, and rejects other lengths', () => {
    expect(validate([csvRecord({ ...base, municipalityCode: '180' })]).rows[0]!.municipalityCode).toBe(
      '0180',
    );
    expect(
      validate([featureRecord({ name: 'A', population: 1, municipalityCode: 180 })]).rows[0]!
        .municipalityCode,
    ).toBe('0180');
    expect(errorsFor({ municipalityCode: '20851' })).toEqual([
      `${FILE}: line 2, field "municipalityCode": must be a 4-digit municipality code (got "20851")`,
    ]);
    expect(errorsFor({ municipalityCode: 'Ludvika' })).toHaveLength(1);
  });

  it('derives the county code from the municipality code when absent', () => {
    const [row] = validate([csvRecord({ ...base, municipalityCode: '0180' })]).rows;
    expect(row!.countyCode).toBe('01');
    expect(validate([csvRecord({ ...base, countyCode: '1' })]).rows[0]!.countyCode).toBe('01');
  });

  it('rejects a county code that contradicts the municipality code', () => {
    expect(errorsFor({ municipalityCode: '2085', countyCode: '12' })).toEqual([
      `${FILE}: line 2, field "countyCode": "12" does not match municipalityCode "2085" (its county is 20)`,
    ]);
    expect(errorsFor({ countyCode: '123' })[0]).toMatch(/must be a 2-digit county code \(got "123"\)/);
  });

  it('requires the broadband share in 0..1, accepting a decimal comma', () => {
    expect(validate([csvRecord({ ...base, broadbandShare: '0,85' })]).rows[0]!.broadbandShare).toBe(0.85);
    expect(errorsFor({ broadbandShare: '85' })).toEqual([
      `${FILE}: line 2, field "broadbandShare": must be between 0 and 1 (got "85"; a percentage? divide by 100)`,
    ]);
    expect(errorsFor({ broadbandShare: '-0.1' })).toHaveLength(1);
  });

  it('rejects a duplicate externalId, naming both lines', () => {
    const { errors, rows } = validate([
      csvRecord({ ...base, externalId: 'T1' }, 2),
      csvRecord({ ...base, externalId: 'T2' }, 3),
      csvRecord({ ...base, externalId: 'T1' }, 7),
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      `${FILE}: line 7, field "externalId": duplicate "T1": also on line 2 (an externalId must be unique in a file)`,
    ]);
    expect(rows).toHaveLength(2);
  });

  it('reports every error of every row, not just the first', () => {
    const { errors, rows } = validate([
      csvRecord({ ...base, population: 'x', broadbandShare: '2' }, 2),
      csvRecord(base, 3),
      csvRecord({ ...base, name: '', lat: '95' }, 4),
    ]);
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [2, 'population'],
      [2, 'broadbandShare'],
      [4, 'name'],
      [4, 'lat'],
    ]);
    expect(rows).toHaveLength(1);
    expect(new ImportValidationError(FILE, errors).message).toMatch(/^settlements\.csv: 4 problems found/);
  });

  it('names the file’s column for a mapped field', () => {
    const record = csvRecord({ tatort: 'A', befolkning_2020: '-1', lon: '15', lat: '60' });
    const { errors } = validate([record], 'EPSG:4326', 'name=tatort,population=befolkning_2020');
    expect(errors.map((e) => e.message)).toEqual([
      `${FILE}: line 2, field "population" (column "befolkning_2020"): must be a non-negative integer (got "-1")`,
    ]);
  });
});

describe('settlement coordinates', () => {
  it('rejects WGS 84 coordinates out of range, hinting at swapped axes', () => {
    expect(errorsFor({ lon: '60.1', lat: '150' })).toEqual([
      `${FILE}: line 2, field "lat": latitude 150 is outside -90..90 (lon and lat swapped?)`,
    ]);
    expect(errorsFor({ lon: '-181', lat: '60' })).toEqual([
      `${FILE}: line 2, field "lon": longitude -181 is outside -180..180`,
    ]);
    expect(errorsFor({ lon: 'east' })).toEqual([
      `${FILE}: line 2, field "lon": must be a number (got "east")`,
    ]);
  });

  it('recognises SWEREF 99 TM values given as EPSG:4326', () => {
    expect(errorsFor({ lon: '507000', lat: '6664000' })).toEqual([
      `${FILE}: line 2, field "lon": (507000, 6664000) looks like SWEREF 99 TM metres: pass --crs EPSG:3006`,
    ]);
  });

  it('checks EPSG:3006 against a plausible SWEREF 99 TM box', () => {
    const row = (x: string, y: string) => csvRecord({ name: 'A', population: '1', x, y });
    expect(validate([row('507000', '6664000')], 'EPSG:3006').rows[0]).toMatchObject({
      x: 507000,
      y: 6664000,
    });
    const messages = (x: string, y: string) =>
      validate([row(x, y)], 'EPSG:3006').errors.map((e) => e.problem);
    expect(messages('15.19', '60.13')).toEqual(['(15.19, 60.13) looks like degrees: pass --crs EPSG:4326']);
    expect(messages('6664000', '507000')).toEqual([
      '(6664000, 507000) looks like northing, easting (x and y swapped?)',
    ]);
    expect(messages('170000', '6664000')).toEqual([
      'easting 170000 is outside the SWEREF 99 TM range 180000–1000000',
    ]);
    expect(messages('507000', '7800000')).toEqual([
      'northing 7800000 is outside the SWEREF 99 TM range 6100000–7700000',
    ]);
  });

  it('says to pass --crs EPSG:3006 when a CSV has x,y columns in EPSG:4326 mode, once for the file', () => {
    const rows = [2, 3, 4].map((line) =>
      csvRecord({ name: 'A', population: '1', x: '507000', y: '6664000' }, line),
    );
    expect(validate(rows).errors.map((e) => e.message)).toEqual([
      `${FILE}: line 1: coordinate columns lon,lat not found for EPSG:4326; columns x,y found: pass --crs EPSG:3006 (or map yours with --map lon=…,lat=…)`,
    ]);
  });

  it('reports a mapped column that the file lacks once, at the header', () => {
    const rows = [2, 3].map((line) => csvRecord({ ...base }, line));
    const { errors } = validate(rows, 'EPSG:4326', 'population=befolkning');
    expect(errors.map((e) => e.message)).toEqual([
      `${FILE}: line 1, field "population" (column "befolkning"): mapped to column "befolkning", which the file does not have (columns: name, population, lon, lat)`,
    ]);
  });

  it('reads ;-separated Swedish CSV with decimal commas end to end', async () => {
    const file = fixture('sv.csv', '\uFEFFtätort;befolkning;e;n\nKällby;771;412345,5;6488000,25\n');
    const result = validateSettlements(await readAllRecords(file), {
      file: 'sv.csv',
      crs: 'EPSG:3006',
      fieldMap: parseFieldMap('name=tätort,population=befolkning,x=e,y=n', 'settlements'),
    });
    expect(result.errors).toEqual([]);
    expect(result.rows[0]).toMatchObject({
      name: 'Källby',
      population: 771,
      x: 412345.5,
      y: 6488000.25,
      kind: 'TATORT',
    });
  });

  it('prefers mapped coordinate properties over a GeoJSON geometry', () => {
    const record = featureRecord({ name: 'A', population: 1, e: 507000, n: 6664000 }, [15.19, 60.13]);
    const { rows } = validate([record], 'EPSG:3006', 'x=e,y=n');
    expect(rows[0]).toMatchObject({ x: 507000, y: 6664000, crs: 'EPSG:3006' });
  });

  it('falls back to lon/lat properties when a feature has no geometry, and says so when it has neither', () => {
    const withProps: RawRecord = {
      ...featureRecord({ name: 'A', population: 1, lon: 15, lat: 60 }),
      geometry: null,
    };
    expect(validate([withProps]).rows[0]).toMatchObject({ x: 15, y: 60 });
    const bare: RawRecord = { ...featureRecord({ name: 'A', population: 1 }, [0, 0], 3), geometry: null };
    expect(validate([bare]).errors.map((e) => e.message)).toEqual([
      `${FILE}: feature 3, field "lon": is required (the feature has no geometry)`,
      `${FILE}: feature 3, field "lat": is required (the feature has no geometry)`,
    ]);
  });
});
