import { describe, expect, it } from 'vitest';
import {
  type RawRecord,
  parseFieldMap,
  parseTypeMap,
  readAllRecords,
  readRecords,
  validateServicePoints,
  validateServicePointsStream,
} from '../../src/import/index.js';
import { KNOWN_SERVICE_TYPES, csvRecord, featureRecord, fixture } from './helpers.js';

const FILE = 'points.geojson';
const known = [...KNOWN_SERVICE_TYPES].join(', ');

function validate(records: RawRecord[], options: { map?: string; typeMap?: string } = {}) {
  return validateServicePoints(records, {
    file: FILE,
    crs: 'EPSG:4326',
    fieldMap: parseFieldMap(options.map, 'service-points'),
    knownServiceTypes: KNOWN_SERVICE_TYPES,
    typeMap: parseTypeMap(options.typeMap, KNOWN_SERVICE_TYPES),
  });
}

const point = (properties: Record<string, unknown>, featureIndex = 0) =>
  featureRecord({ name: 'ICA Nära', serviceTypes: ['GROCERY'], ...properties }, [15.19, 60.13], featureIndex);

describe('validating service points', () => {
  it('turns a complete feature into a service-point row', () => {
    const { rows, errors } = validate([
      point({
        serviceTypes: ['GROCERY', 'POST'],
        status: 'planned',
        operator: 'ICA',
        capacity: 0,
        openingHours: 'Mo-Su 08:00-22:00',
        municipalityCode: '2085',
        externalId: 'ica-1',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
      }),
    ]);
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        name: 'ICA Nära',
        serviceTypes: ['GROCERY', 'POST'],
        status: 'PLANNED',
        operator: 'ICA',
        capacity: 0,
        openingHours: 'Mo-Su 08:00-22:00',
        municipalityCode: '2085',
        externalId: 'ica-1',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
        x: 15.19,
        y: 60.13,
        crs: 'EPSG:4326',
      },
    ]);
  });

  it('reads service types from a comma-separated string, case-insensitively, without duplicates', () => {
    const { rows } = validate([point({ serviceTypes: 'grocery, POST,Grocery' })]);
    expect(rows[0]!.serviceTypes).toEqual(['GROCERY', 'POST']);
  });

  it('rejects an unknown service type, naming the feature and listing the known ones', () => {
    const { errors } = validate([point({}, 0), point({ serviceTypes: 'GROCERIES' }, 4)]);
    expect(errors.map((e) => e.message)).toEqual([
      `${FILE}: feature 4, field "serviceTypes": unknown service type "GROCERIES" (known: ${known})`,
    ]);
  });

  it('requires at least one service type', () => {
    expect(validate([point({ serviceTypes: undefined })]).errors[0]!.message).toBe(
      `${FILE}: feature 0, field "serviceTypes": is required`,
    );
    expect(validate([point({ serviceTypes: [] })]).errors[0]!.problem).toBe(
      'is required (the list is empty)',
    );
    expect(validate([point({ serviceTypes: [1, 2] })]).errors[0]!.problem).toMatch(/must be a list of codes/);
  });

  it('names an unnamed point after its first type', () => {
    expect(validate([point({ name: undefined, serviceTypes: 'PHARMACY,POST' })]).rows[0]!.name).toBe(
      'PHARMACY (unnamed)',
    );
  });

  it('defaults the status to OPEN and rejects unknown statuses', () => {
    expect(validate([point({})]).rows[0]!.status).toBe('OPEN');
    expect(validate([point({ status: 'SHUT' })]).errors[0]!.problem).toBe(
      'must be one of OPEN, CLOSED, PLANNED (got "SHUT")',
    );
  });

  it('requires the capacity to be a non-negative integer', () => {
    expect(validate([point({ capacity: -1 })]).errors[0]!.message).toBe(
      `${FILE}: feature 0, field "capacity": must be a non-negative integer (got -1)`,
    );
  });

  it('requires real ISO dates, validFrom not after validTo', () => {
    expect(validate([point({ validFrom: '2023-02-30' })]).errors[0]!.problem).toBe(
      'is not a real date (got "2023-02-30")',
    );
    expect(validate([point({ validFrom: '1/2/2023' })]).errors[0]!.problem).toBe(
      'must be a date YYYY-MM-DD (got "1/2/2023")',
    );
    expect(validate([point({ validFrom: '2024-06-01', validTo: '2024-05-31' })]).errors[0]!.message).toBe(
      `${FILE}: feature 0, field "validTo": must not be before validFrom 2024-06-01 (got 2024-05-31)`,
    );
  });

  it('pads a three-digit municipality code', () => {
    expect(validate([point({ municipalityCode: 180 })]).rows[0]!.municipalityCode).toBe('0180');
  });

  it('rejects a duplicate externalId, naming both features', () => {
    const { errors } = validate([point({ externalId: 'a' }, 0), point({ externalId: 'a' }, 1)]);
    expect(errors.map((e) => e.message)).toEqual([
      `${FILE}: feature 1, field "externalId": duplicate "a": also on feature 0 (an externalId must be unique in a file)`,
    ]);
  });

  it('rejects coordinates outside the CRS', () => {
    const record = featureRecord({ name: 'A', serviceTypes: 'FUEL' }, [200, 60]);
    expect(validate([record]).errors[0]!.message).toBe(
      `${FILE}: feature 0, field "lon": longitude 200 is outside -180..180`,
    );
  });
});

describe('service types through --type-map', () => {
  const rows = [
    csvRecord({ amenity: 'pharmacy', name: 'Apoteket', lat: '59.3', lon: '14.5' }, 2),
    csvRecord({ amenity: 'dentist', name: 'Tandläkare', lat: '59.3', lon: '14.5' }, 3),
    csvRecord({ amenity: 'clinic', name: 'Vårdcentral', lat: '59.3', lon: '14.5' }, 4),
    csvRecord({ amenity: 'dentist', name: 'Broken', lat: 'north', lon: '14.5' }, 5),
    csvRecord({ amenity: 'LIBRARY', name: 'Bibliotek', lat: '59.3', lon: '14.5' }, 6),
  ];
  const options = {
    map: 'serviceTypes=amenity',
    typeMap: 'pharmacy=PHARMACY,clinic=PRIMARY_CARE,doctors=PRIMARY_CARE',
  };

  it('maps file values onto codes and skips rows whose value maps to nothing, counting them', () => {
    const result = validate(rows, options);
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => [r.name, r.serviceTypes])).toEqual([
      ['Apoteket', ['PHARMACY']],
      ['Vårdcentral', ['PRIMARY_CARE']],
      ['Bibliotek', ['LIBRARY']],
    ]);
    expect(result.skipped).toBe(2);
    expect([...result.skippedReasons]).toEqual([['serviceTypes "dentist" not in --type-map', 2]]);
  });

  it('without a type map, treats the same values as unknown service types', () => {
    // "pharmacy" and "LIBRARY" are codes up to case; "dentist" and "clinic" are not.
    const result = validate(rows, { map: 'serviceTypes=amenity' });
    expect(result.errors.map((e) => e.message)).toEqual([
      `${FILE}: line 3, field "serviceTypes" (column "amenity"): unknown service type "dentist" (known: ${known})`,
      `${FILE}: line 4, field "serviceTypes" (column "amenity"): unknown service type "clinic" (known: ${known})`,
      `${FILE}: line 5, field "serviceTypes" (column "amenity"): unknown service type "dentist" (known: ${known})`,
      `${FILE}: line 5, field "lat": must be a number (got "north")`,
    ]);
    expect(result.skipped).toBe(0);
  });

  it('validates a stream of records from a CSV file', async () => {
    const file = fixture(
      'health.csv',
      'osm_node_id,amenity,name,lat,lon\n1,pharmacy,Apoteket,59.3,14.5\n2,dentist,"Tand, AB",59.3,14.5\n',
    );
    const result = await validateServicePointsStream(readRecords(file), {
      file,
      crs: 'EPSG:4326',
      fieldMap: parseFieldMap('serviceTypes=amenity,externalId=osm_node_id', 'service-points'),
      knownServiceTypes: KNOWN_SERVICE_TYPES,
      typeMap: parseTypeMap(options.typeMap, KNOWN_SERVICE_TYPES),
    });
    expect(result.rows.map((r) => r.externalId)).toEqual(['1']);
    expect(result.skipped).toBe(1);
    expect(await readAllRecords(file)).toHaveLength(2);
  });
});
