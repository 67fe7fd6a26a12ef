import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ImportError,
  readAllRecords,
  validateServicePoints,
  xmlElements,
  type XmlElementEvent,
} from '../../src/import/index.js';
import { KNOWN_SERVICE_TYPES, fixture } from './helpers.js';
import { sharedDataFile } from '../helpers/shared-data.js';

// Lines are numbered in the comments: the reader reports the line of each element's start tag.
const OSM = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <!-- a comment with <node> inside -->
 <bounds minlat="58.50" minlon="13.29" maxlat="58.52" maxlon="13.32"/>
 <node id="1" lat="58.5100000" lon="13.3000000">
  <tag k="amenity" v="pharmacy"/>
  <tag k="name" v="Apotek &amp; Hälsa &#229; &#x00E4; &quot;x&quot; a>b"/>
  <tag k="opening_hours" v="Mo-Fr 09:00-18:00"/>
  <tag k="capacity" v="50-60"/>
 </node>
 <node id="2" lat="58.5000000" lon="13.3000000"/>
 <node id="3" lat="58.5000000" lon="13.3100000"/>
 <node id="4" lat="58.5100000" lon="13.3100000"/>
 <node id="5" lat="58.5200000" lon="13.3200000">
  <tag k="amenity" v="bench"/>
 </node>
 <node id="6" lat="58.5200000" lon="13.3200000" action="delete">
  <tag k="amenity" v="fuel"/>
 </node>
 <way id="10" version="1">
  <nd ref="2"/>
  <nd ref="3"/>
  <nd ref="4"/>
  <nd ref="1"/>
  <nd ref="2"/>
  <tag k="shop" v="supermarket"/>
  <tag k="operator" v="Axfood"/>
 </way>
 <way id="11">
  <nd ref="999"/>
  <tag k="amenity" v="library"/>
 </way>
 <relation id="20">
  <member type="way" ref="10" role="outer"/>
  <tag k="amenity" v="school"/>
 </relation>
 <node id="7"
       lat="58.5150000" lon="13.3050000">
  <tag k='amenity' v='atm'/>
 </node>
</osm>
`;

describe('reading OSM XML', () => {
  it('turns tagged nodes and ways into service-point records and skips the rest', async () => {
    const records = await readAllRecords(fixture('village.osm', OSM));
    expect(records.map((r) => [r.properties.externalId, r.position.line, r.rejection?.kind ?? 'ok'])).toEqual(
      [
        ['osm:node/1', 5, 'ok'],
        ['osm:way/10', 20, 'ok'],
        ['osm:way/11', 29, 'skip'],
        ['osm:relation/20', 33, 'skip'],
        ['osm:node/7', 37, 'ok'],
      ],
    );
  });

  it('maps tags onto our fields and decodes XML entities', async () => {
    const [pharmacy] = await readAllRecords(fixture('village2.osm', OSM));
    expect(pharmacy!.properties).toMatchObject({
      name: 'Apotek & Hälsa å ä "x" a>b',
      serviceTypes: ['PHARMACY'],
      openingHours: 'Mo-Fr 09:00-18:00',
      externalId: 'osm:node/1',
      amenity: 'pharmacy',
    });
    // A free-text capacity ("50-60") is dropped rather than failing the whole import.
    expect(pharmacy!.properties.capacity).toBeUndefined();
    expect(pharmacy!.geometry).toEqual({ type: 'Point', coordinates: [13.3, 58.51] });
  });

  it('places a closed way at the mean of its distinct nodes', async () => {
    const records = await readAllRecords(fixture('village3.osm', OSM));
    const way = records.find((r) => r.properties.externalId === 'osm:way/10')!;
    // Nodes 2, 3, 4, 1: lon (13.30 + 13.31 + 13.31 + 13.30) / 4, lat (58.50 + 58.50 + 58.51 + 58.51) / 4.
    expect(way.geometry!.coordinates[0]).toBeCloseTo(13.305, 9);
    expect(way.geometry!.coordinates[1]).toBeCloseTo(58.505, 9);
    expect(way.properties.operator).toBe('Axfood');
  });

  it('validates into rows, counting the relation and the way without nodes as skipped', async () => {
    const records = await readAllRecords(fixture('village4.osm', OSM));
    const result = validateServicePoints(records, {
      file: 'village.osm',
      crs: 'EPSG:4326',
      knownServiceTypes: KNOWN_SERVICE_TYPES,
    });
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => [r.name, r.serviceTypes])).toEqual([
      ['Apotek & Hälsa å ä "x" a>b', ['PHARMACY']],
      ['GROCERY (unnamed)', ['GROCERY']],
      ['PAYMENT (unnamed)', ['PAYMENT']],
    ]);
    expect(result.skipped).toBe(2);
  });

  it('reads .osm.gz', async () => {
    const records = await readAllRecords(fixture('village.osm.gz', gzipSync(OSM)));
    expect(records).toHaveLength(5);
  });

  it('gives the same elements whatever the chunk boundaries', async () => {
    async function* chunked(size: number): AsyncGenerator<string> {
      for (let i = 0; i < OSM.length; i += size) yield OSM.slice(i, i + size);
    }
    const collect = async (size: number): Promise<XmlElementEvent[]> => {
      const events: XmlElementEvent[] = [];
      for await (const event of xmlElements(chunked(size), 'x.osm')) events.push(event);
      return events;
    };
    const whole = await collect(OSM.length);
    expect(whole.length).toBeGreaterThan(30);
    for (const size of [1, 7, 64]) expect(await collect(size)).toEqual(whole);
  });

  it('rejects broken XML with the line of the problem', async () => {
    const broken = '<osm>\n <node id="1" lat="1" lon="2">\n  <tag k="a" v="b\n</osm>';
    await expect(readAllRecords(fixture('broken.osm', broken))).rejects.toThrow(
      /broken\.osm: line 3: not valid OSM XML/,
    );
  });

  it('rejects XML that is not OSM', async () => {
    await expect(readAllRecords(fixture('other.xml', '<gpx><wpt/></gpx>'))).rejects.toThrow(
      /other\.xml: line 1: not an OSM XML file \(root element <gpx>/,
    );
  });

  it('asks for a conversion when given PBF', async () => {
    const promise = readAllRecords(sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf'));
    await expect(promise).rejects.toBeInstanceOf(ImportError);
    await expect(readAllRecords('extract.osm.pbf', { format: 'osm' })).rejects.toThrow(
      /convert with osmium to \.osm/,
    );
  });
});
