import { resolve } from 'node:path';
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
import { detectRoadFormat, prepareRoads } from '../../src/import/roads/index.js';
import { fixture } from './helpers.js';

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

describe('reading road files without a database', () => {
  const edgesOf = async (file: string) => {
    const prepared = await prepareRoads(file);
    return [...prepared.edges()].map((e) => [e.source, e.target, e.oneway, e.roadClass, e.coords.length / 2]);
  };

  it('reads .osm.bz2 exactly like the plain file', async () => {
    const plain = resolve(import.meta.dirname, '../fixtures/roads/mini.osm');
    const expected = [
      [1, 2, false, 'tertiary', 2],
      [2, 5, false, 'tertiary', 2],
      [2, 4, true, 'track', 3],
    ];
    expect(await edgesOf(plain)).toEqual(expected);
    expect(await edgesOf(`${plain}.bz2`)).toEqual(expected);
  });

  it('reads OSM XML whose nodes come after its ways (Overpass order)', async () => {
    const file = fixture(
      'unordered.osm',
      `<osm version="0.6">
        <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
        <relation id="1"><member type="way" ref="1" role=""/></relation>
        <way id="2"><nd ref="2"/><nd ref="4"/><tag k="highway" v="service"/></way>
        <node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.01"/>
        <node id="3" lat="0" lon="0.02"/><node id="4" lat="0.01" lon="0.01"/>
      </osm>`,
    );
    const prepared = await prepareRoads(file);
    expect([...prepared.edges()].map((e) => [e.source, e.target])).toEqual([
      [1, 2],
      [2, 3],
      [2, 4],
    ]);
    expect(prepared.stats().missingNodes).toBe(0);
  });

  it('cuts a way where its node is missing from a clipped extract, and counts it', async () => {
    const file = fixture(
      'clipped.osm',
      `<osm version="0.6">
        <node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.01"/><node id="4" lat="0" lon="0.03"/>
        <node id="5" lat="0" lon="0.04"/>
        <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><tag k="highway" v="primary"/></way>
      </osm>`,
    );
    const prepared = await prepareRoads(file);
    expect([...prepared.edges()].map((e) => [e.source, e.target])).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(prepared.stats().missingNodes).toBe(1);
    expect(prepared.nodes()).toBe(4);
  });

  it('treats a node repeated in a row as one vertex, not an intersection', async () => {
    const file = fixture(
      'repeated.osm',
      `<osm version="0.6">
        <node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.01"/><node id="3" lat="0" lon="0.02"/>
        <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
      </osm>`,
    );
    expect(await edgesOf(file)).toEqual([[1, 3, false, 'primary', 3]]);
  });
});
