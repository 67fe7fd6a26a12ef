import { describe, expect, it } from 'vitest';
import { ImportOptionError, lookupTypeMap, parseFieldMap, parseTypeMap } from '../../src/import/index.js';
import { KNOWN_SERVICE_TYPES } from './helpers.js';

describe('parseFieldMap', () => {
  it('maps our field names onto the file’s names', () => {
    const map = parseFieldMap('name=tatort, population=befolkning_2020,externalId=tatortskod', 'settlements');
    expect([...map]).toEqual([
      ['name', 'tatort'],
      ['population', 'befolkning_2020'],
      ['externalId', 'tatortskod'],
    ]);
  });

  it('is empty without a --map option', () => {
    expect(parseFieldMap(undefined, 'settlements').size).toBe(0);
  });

  it('accepts coordinate fields for both targets', () => {
    expect(parseFieldMap('x=e,y=n', 'service-points').get('x')).toBe('e');
    expect(parseFieldMap('lon=lng,lat=latitude', 'settlements').get('lon')).toBe('lng');
  });

  it('rejects an unknown field name with a suggestion and the known names', () => {
    expect(() => parseFieldMap('popluation=befolkning', 'settlements')).toThrow(ImportOptionError);
    expect(() => parseFieldMap('popluation=befolkning', 'settlements')).toThrow(
      /--map: unknown field "popluation" for settlements \(did you mean "population"\?\).*one of: name, population,/,
    );
  });

  it('rejects a service-point field when importing settlements', () => {
    expect(() => parseFieldMap('serviceTypes=amenity', 'settlements')).toThrow(
      /unknown field "serviceTypes"/,
    );
  });

  it('rejects a pair without "="', () => {
    expect(() => parseFieldMap('name', 'settlements')).toThrow(/"name" is not of the form name=value/);
    expect(() => parseFieldMap('name=', 'settlements')).toThrow(/not of the form/);
  });

  it('rejects a field mapped twice', () => {
    expect(() => parseFieldMap('name=a,name=b', 'settlements')).toThrow(/field "name" is mapped twice/);
  });

  it('lets two of our fields read the same column', () => {
    const map = parseFieldMap('name=tatort,externalId=tatort', 'settlements');
    expect(map.get('externalId')).toBe('tatort');
  });
});

describe('parseTypeMap', () => {
  it('maps file values onto catalogue codes, case-insensitively for codes', () => {
    const map = parseTypeMap('pharmacy=PHARMACY,clinic=primary_care', KNOWN_SERVICE_TYPES);
    expect(map.get('pharmacy')).toBe('PHARMACY');
    expect(map.get('clinic')).toBe('PRIMARY_CARE');
  });

  it('rejects a code that is not in the catalogue', () => {
    expect(() => parseTypeMap('pharmacy=PHARMACIES', KNOWN_SERVICE_TYPES)).toThrow(
      /--type-map: unknown service type "PHARMACIES" for "pharmacy" \(did you mean "PHARMACY"\?\)/,
    );
  });

  it('rejects one value mapped to two codes', () => {
    expect(() => parseTypeMap('clinic=PRIMARY_CARE,clinic=PHARMACY', KNOWN_SERVICE_TYPES)).toThrow(
      /mapped twice/,
    );
  });

  it('looks values up exactly first, then case-insensitively', () => {
    const map = parseTypeMap('Pharmacy=PHARMACY', KNOWN_SERVICE_TYPES);
    expect(lookupTypeMap(map, 'Pharmacy')).toBe('PHARMACY');
    expect(lookupTypeMap(map, 'PHARMACY')).toBe('PHARMACY');
    expect(lookupTypeMap(map, 'dentist')).toBeUndefined();
  });
});
