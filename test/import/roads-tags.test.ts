import { describe, expect, it } from 'vitest';
import { ImportOptionError } from '../../src/import/errors.js';
import {
  classifyWay,
  haversineM,
  loadRoadSpeeds,
  mergeSpeeds,
  parseDuration,
  parseMaxspeed,
  parseOneway,
} from '../../src/import/roads/index.js';
import { detectRoadFormat } from '../../src/import/roads/index.js';

const speeds = loadRoadSpeeds();

describe('road tags', () => {
  it('parses maxspeed numbers, units, zones and junk', () => {
    expect(parseMaxspeed('50', speeds)).toBe(50);
    expect(parseMaxspeed(' 80 km/h', speeds)).toBe(80);
    expect(parseMaxspeed('30 mph', speeds)).toBeCloseTo(48.28032, 6);
    expect(parseMaxspeed('30mph', speeds)).toBeCloseTo(48.28032, 6);
    expect(parseMaxspeed('SE:rural', speeds)).toBe(70);
    expect(parseMaxspeed('SE:urban', speeds)).toBe(50);
    expect(parseMaxspeed('none', speeds)).toBe(130);
    expect(parseMaxspeed('walk', speeds)).toBe(7);
    expect(parseMaxspeed('50;70', speeds)).toBe(50);
    expect(parseMaxspeed('signals', speeds)).toBeNull();
    expect(parseMaxspeed('XX:zone', speeds)).toBeNull();
    expect(parseMaxspeed('0', speeds)).toBeNull();
    expect(parseMaxspeed(undefined, speeds)).toBeNull();
  });

  it('parses oneway and ferry durations', () => {
    expect(
      ['yes', 'true', '1', '-1', 'reverse', 'no', 'false', '0', 'reversible', 'maybe'].map(parseOneway),
    ).toEqual([1, 1, 1, -1, -1, 0, 0, 0, 'reversible', null]);
    expect(parseDuration('00:30')).toBe(30);
    expect(parseDuration('1:15')).toBe(75);
    expect(parseDuration('01:00:30')).toBe(60.5);
    expect(parseDuration('45')).toBe(45);
    expect(parseDuration('PT1H30M')).toBe(90);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('0')).toBeNull();
  });

  it('keeps car roads and bars what the access hierarchy bars', () => {
    expect(classifyWay({ highway: 'footway' }, speeds)).toBe('not a car road');
    expect(classifyWay({ highway: 'construction' }, speeds)).toBe('not a car road');
    expect(classifyWay({ highway: 'service', access: 'private' }, speeds)).toBe('no access for cars');
    expect(classifyWay({ highway: 'track', motor_vehicle: 'forestry' }, speeds)).toBe('no access for cars');
    expect(classifyWay({ highway: 'service', access: 'no', motor_vehicle: 'yes' }, speeds)).toMatchObject({
      roadClass: 'service',
    });
    expect(classifyWay({ highway: 'residential', motorcar: 'no', access: 'yes' }, speeds)).toBe(
      'no access for cars',
    );
    expect(classifyWay({ highway: 'pedestrian', area: 'yes' }, speeds)).toBe('area');
    expect(classifyWay({ highway: 'primary', oneway: 'reversible' }, speeds)).toBe('reversible');
    expect(classifyWay({ highway: 'primary' }, speeds)).toEqual({
      roadClass: 'primary',
      speedKmh: 80,
      direction: 0,
      isFerry: false,
      minutes: null,
    });
    expect(classifyWay({ highway: 'motorway' }, speeds)).toMatchObject({ direction: 1, speedKmh: 110 });
    expect(classifyWay({ highway: 'motorway', oneway: 'no' }, speeds)).toMatchObject({ direction: 0 });
    expect(classifyWay({ highway: 'tertiary', junction: 'roundabout' }, speeds)).toMatchObject({
      direction: 1,
    });
    expect(classifyWay({ highway: 'tertiary', junction: 'circular' }, speeds)).toMatchObject({
      direction: 1,
    });
    expect(classifyWay({ highway: 'tertiary', oneway: '-1', maxspeed: '40' }, speeds)).toMatchObject({
      direction: -1,
      speedKmh: 40,
    });
  });

  it('keeps only car ferries', () => {
    expect(classifyWay({ route: 'ferry' }, speeds)).toBe('not a car road');
    expect(classifyWay({ route: 'ferry', foot: 'yes', motor_vehicle: 'no' }, speeds)).toBe('not a car road');
    expect(classifyWay({ route: 'ferry', motorcar: 'yes', duration: '00:20' }, speeds)).toEqual({
      roadClass: 'ferry',
      speedKmh: 10,
      direction: 0,
      isFerry: true,
      minutes: 20,
    });
    expect(classifyWay({ route: 'ferry', ferry: 'secondary' }, speeds)).toMatchObject({
      isFerry: true,
      minutes: null,
    });
    expect(classifyWay({ route: 'ferry', ferry: 'footway' }, speeds)).toBe('not a car road');
  });

  it('merges a --speeds file over the defaults and rejects bad values', () => {
    const merged = mergeSpeeds(speeds, { classes: { residential: 25, '1': 90 }, ferryKmh: 12 });
    expect(merged.classes.residential).toBe(25);
    expect(merged.classes['1']).toBe(90);
    expect(merged.classes.primary).toBe(80);
    expect(merged.ferryKmh).toBe(12);
    expect(classifyWay({ highway: '1' }, merged)).toMatchObject({ roadClass: '1', speedKmh: 90 });
    expect(() => mergeSpeeds(speeds, { classes: { residential: -5 } })).toThrow(ImportOptionError);
    expect(() => mergeSpeeds(speeds, { clases: {} })).toThrow(/unknown key "clases"/);
  });

  it('measures haversine lengths on the equator and a meridian exactly', () => {
    const degree = (6_371_008.8 * Math.PI) / 180;
    expect(haversineM(10, 0, 10.01, 0)).toBeCloseTo(degree * 0.01, 6);
    expect(haversineM(15, 59, 15, 60)).toBeCloseTo(degree, 6);
  });

  it('tells the format from the file name', () => {
    expect(detectRoadFormat('sweden-latest.osm.pbf')).toBe('pbf');
    expect(detectRoadFormat('a.osm')).toBe('osm');
    expect(detectRoadFormat('a.osm.gz')).toBe('osm');
    expect(detectRoadFormat('a.osm.bz2')).toBe('osm');
    expect(detectRoadFormat('nvdb.geojson')).toBe('geojson');
    expect(() => detectRoadFormat('a.shp')).toThrow(/--format/);
  });
});
