import { describe, expect, it } from 'vitest';
import { OSM_TAG_RULES, osmServiceTypes, osmValues } from '../../src/import/index.js';
import { KNOWN_SERVICE_TYPES } from './helpers.js';

describe('the OSM tag table', () => {
  it.each([
    [{ shop: 'supermarket' }, ['GROCERY']],
    [{ shop: 'convenience' }, ['GROCERY']],
    [{ shop: 'general' }, ['GROCERY']],
    [{ amenity: 'fuel' }, ['FUEL']],
    [{ amenity: 'post_office' }, ['POST']],
    [{ amenity: 'parcel_locker' }, ['POST']],
    [{ shop: 'convenience', post_office: 'post_partner' }, ['GROCERY', 'POST']],
    [{ amenity: 'pharmacy' }, ['PHARMACY']],
    [{ healthcare: 'pharmacy' }, ['PHARMACY']],
    [{ amenity: 'atm' }, ['PAYMENT']],
    [{ amenity: 'bank', atm: 'yes' }, ['PAYMENT']],
    [{ amenity: 'bureau_de_change' }, ['PAYMENT']],
    [{ amenity: 'clinic' }, ['PRIMARY_CARE']],
    [{ amenity: 'doctors' }, ['PRIMARY_CARE']],
    [{ healthcare: 'centre' }, ['PRIMARY_CARE']],
    [{ amenity: 'school' }, ['SCHOOL']],
    [{ amenity: 'library' }, ['LIBRARY']],
    [{ amenity: 'social_facility', social_facility: 'nursing_home' }, ['ELDERLY_CARE']],
    [
      { amenity: 'social_facility', social_facility: 'group_home', 'social_facility:for': 'senior' },
      ['ELDERLY_CARE'],
    ],
  ])('maps %o to %o', (tags, expected) => {
    expect(osmServiceTypes(tags)).toEqual(expected);
  });

  it('ignores tags that are not services', () => {
    expect(osmServiceTypes({ amenity: 'bench' })).toEqual([]);
    expect(osmServiceTypes({ amenity: 'dentist', healthcare: 'dentist' })).toEqual([]);
    expect(osmServiceTypes({ amenity: 'social_facility', social_facility: 'shelter' })).toEqual([]);
    expect(osmServiceTypes({ highway: 'residential', name: 'Skolgatan' })).toEqual([]);
  });

  it('takes a school only when its ISCED level, if tagged, includes 1 or 2', () => {
    expect(osmServiceTypes({ amenity: 'school', 'isced:level': '3' })).toEqual([]);
    expect(osmServiceTypes({ amenity: 'school', 'isced:level': '2;3' })).toEqual(['SCHOOL']);
    expect(osmServiceTypes({ amenity: 'school', 'isced:level': '0-2' })).toEqual(['SCHOOL']);
  });

  it('reads OSM multi-values and ranges', () => {
    expect(osmServiceTypes({ amenity: 'pharmacy;doctors' })).toEqual(['PHARMACY', 'PRIMARY_CARE']);
    expect(osmValues('1-3; 5')).toEqual(['1', '2', '3', '5']);
  });

  it('names each type once even when several rules match', () => {
    expect(osmServiceTypes({ amenity: 'clinic', healthcare: 'clinic' })).toEqual(['PRIMARY_CARE']);
  });

  it('uses only codes of the service-type catalogue', () => {
    for (const rule of OSM_TAG_RULES) expect(KNOWN_SERVICE_TYPES.has(rule.serviceType)).toBe(true);
    const covered = new Set<string>(OSM_TAG_RULES.map((rule) => rule.serviceType));
    expect([...KNOWN_SERVICE_TYPES].filter((code) => !covered.has(code))).toEqual([]);
  });
});
