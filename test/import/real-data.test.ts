/**
 * The readers and validators on the real files vendored in data/open/. Expected numbers are computed
 * here from the files by other means (a minimal CSV split, JSON.parse, regexes over the XML), not
 * taken from the code under test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { booleanPointInPolygon } from '@turf/turf';
import type { Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { OPEN_DATA } from '../helpers/shared-data.js';
import {
  type ServicePointRow,
  type SettlementRow,
  type ValidationResult,
  parseFieldMap,
  parseTypeMap,
  readAllRecords,
  readRecords,
  validateServicePointsStream,
  validateSettlements,
  validateSettlementsStream,
} from '../../src/import/index.js';
import { KNOWN_SERVICE_TYPES } from './helpers.js';

const DATA = OPEN_DATA;
const TATORTER_CSV = `${DATA}/scb-tatorter-2020/tatorter_2020_points.csv`;
const TATORTER_GEOJSON = `${DATA}/scb-tatorter-2020/tatorter_2020_points.geojson`;
const HEALTH_CSV = `${DATA}/osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv`;
const KALLBY = `${DATA}/osm-sweden-mini-extracts/kallby-gotene-2023.osm`;
const STOCKHOLM = `${DATA}/osm-sweden-mini-extracts/stockholm-central-2020.osm`;
const BAYREUTH = `${DATA}/osm-north-bayreuth-2014/north-bayreuth-2014.osm.gz`;
const DESO = `${DATA}/scb-deso-2025-dalarna/deso_2025_dalarna.geojson`;
const GRID = `${DATA}/scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.geojson`;

const TATORTER_MAP =
  'name=tatort,population=befolkning_2020,municipalityCode=kommunkod,countyCode=lanskod,externalId=tatortskod';

/** A minimal CSV split for one line: comma-separated, "quoted" fields with "" escapes, no line breaks. */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  for (const match of line.matchAll(/(?:"((?:[^"]|"")*)"|([^,]*))(?:,|$)/g)) {
    if (match.index === line.length && fields.length > 0 && !line.endsWith(',')) break;
    fields.push(match[1] !== undefined ? match[1].replace(/""/g, '"') : match[2]!);
  }
  return fields;
}

/** The file's rows as objects by header name, by the minimal split. */
function csvTable(file: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const names = splitCsvLine(header!);
  return lines.map((line) => Object.fromEntries(splitCsvLine(line).map((value, i) => [names[i], value])));
}

/** OSM elements (node/way) with their tags, by regex over the XML text. */
function osmElements(
  xml: string,
): Array<{ type: string; id: string; body: string; tags: Map<string, string> }> {
  const elements = [];
  for (const match of xml.matchAll(/<(node|way)\s+id="(\d+)"[^>]*?(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
    const body = match[3] ?? '';
    const tags = new Map(
      [...body.matchAll(/<tag k="([^"]*)" v="([^"]*)"\/>/g)].map((t) => [t[1]!, t[2]!] as const),
    );
    elements.push({ type: match[1]!, id: match[2]!, body, tags });
  }
  return elements;
}

function countTypes(rows: readonly ServicePointRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) for (const type of row.serviceTypes) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe('real data vendored in data/open/', () => {
  const table = existsSync(TATORTER_CSV) ? csvTable(TATORTER_CSV) : [];
  const ludvika = table.find((row) => row.tatort === 'Ludvika');

  describe('SCB tätorter 2020', () => {
    function expectAllTatorter(result: ValidationResult<SettlementRow>): void {
      expect(result.errors).toEqual([]);
      expect(result.rows).toHaveLength(table.length);
      expect(table.length).toBe(2017);
    }

    it('imports every tätort of the CSV with lon/lat in EPSG:4326, Ludvika at 15,614', async () => {
      const result = validateSettlements(await readAllRecords(TATORTER_CSV), {
        file: TATORTER_CSV,
        crs: 'EPSG:4326',
        fieldMap: parseFieldMap(TATORTER_MAP, 'settlements'),
      });
      expectAllTatorter(result);
      const row = result.rows.find((r) => r.name === 'Ludvika')!;
      expect(row.population).toBe(Number(ludvika!.befolkning_2020));
      expect(row.population).toBe(15_614);
      expect(row).toMatchObject({
        municipalityCode: '2085',
        countyCode: '20',
        externalId: ludvika!.tatortskod,
        kind: 'TATORT',
        x: Number(ludvika!.lon),
        y: Number(ludvika!.lat),
      });
      expect(result.rows.filter((r) => r.municipalityCode === '2085')).toHaveLength(
        table.filter((r) => r.kommunkod === '2085').length,
      );
    });

    it('imports the same CSV with the SWEREF 99 TM columns in EPSG:3006', async () => {
      const result = await validateSettlementsStream(readRecords(TATORTER_CSV), {
        file: TATORTER_CSV,
        crs: 'EPSG:3006',
        fieldMap: parseFieldMap(`${TATORTER_MAP},x=e_sweref99tm,y=n_sweref99tm`, 'settlements'),
      });
      expectAllTatorter(result);
      const row = result.rows.find((r) => r.name === 'Ludvika')!;
      expect(row).toMatchObject({
        population: 15_614,
        x: Number(ludvika!.e_sweref99tm),
        y: Number(ludvika!.n_sweref99tm),
        crs: 'EPSG:3006',
      });
    });

    it('says to pass --crs EPSG:4326 when EPSG:3006 is asked for without x/y columns', async () => {
      const result = validateSettlements(await readAllRecords(TATORTER_CSV), {
        file: 'tatorter_2020_points.csv',
        crs: 'EPSG:3006',
        fieldMap: parseFieldMap(TATORTER_MAP, 'settlements'),
      });
      expect(result.errors.map((e) => e.message)).toEqual([
        'tatorter_2020_points.csv: line 1: coordinate columns x,y not found for EPSG:3006; columns lon,lat found: pass --crs EPSG:4326 (or map yours with --map x=…,y=…)',
      ]);
    });

    it('imports the GeoJSON version with the same population total', async () => {
      const result = validateSettlements(await readAllRecords(TATORTER_GEOJSON), {
        file: TATORTER_GEOJSON,
        crs: 'EPSG:4326',
        fieldMap: parseFieldMap(TATORTER_MAP, 'settlements'),
      });
      expectAllTatorter(result);
      const features = (
        JSON.parse(readFileSync(TATORTER_GEOJSON, 'utf8')) as {
          features: Array<{ properties: { befolkning_2020: number } }>;
        }
      ).features;
      const expectedTotal = features.reduce((sum, f) => sum + f.properties.befolkning_2020, 0);
      expect(result.rows.reduce((sum, r) => sum + r.population, 0)).toBe(expectedTotal);
      expect(expectedTotal).toBe(9_088_367);
      expect(result.rows.find((r) => r.name === 'Ludvika')!.population).toBe(15_614);
    });
  });

  it('reduces each DeSO polygon to a point inside it', async () => {
    const result = validateSettlements(
      await readAllRecords(DESO, { allowPolygons: true, crs: 'EPSG:4326' }),
      {
        file: DESO,
        crs: 'EPSG:4326',
        fieldMap: parseFieldMap(
          'name=desokod,population=befolkning_2024,population65Plus=befolkning_65_plus_2024,municipalityCode=kommunkod,countyCode=lanskod,externalId=desokod',
          'settlements',
        ),
      },
    );
    const features = (JSON.parse(readFileSync(DESO, 'utf8')) as { features: Array<{ geometry: Polygon }> })
      .features;
    expect(result.errors).toEqual([]);
    expect(result.rows).toHaveLength(features.length);
    result.rows.forEach((row, i) => {
      expect(booleanPointInPolygon([row.x, row.y], features[i]!.geometry)).toBe(true);
    });
  });

  it('reduces each 1 km grid square to (within 1e-4°) the cell centre SCB gives', async () => {
    const records = await readAllRecords(GRID, { allowPolygons: true });
    const expected = records.map((r) => [r.properties.lon as number, r.properties.lat as number]);
    expect(records.length).toBe(csvTable(GRID.replace('.geojson', '.csv')).length);
    records.forEach((record, i) => {
      const [x, y] = record.geometry!.coordinates;
      expect(Math.abs(x - expected[i]![0]!)).toBeLessThan(1e-4);
      expect(Math.abs(y - expected[i]![1]!)).toBeLessThan(1e-4);
    });
  });

  it('imports the OSM health CSV through a type map, skipping dentists and hospitals', async () => {
    const health = csvTable(HEALTH_CSV);
    const count = (amenity: string) => health.filter((row) => row.amenity === amenity).length;
    const result = await validateServicePointsStream(readRecords(HEALTH_CSV), {
      file: HEALTH_CSV,
      crs: 'EPSG:4326',
      fieldMap: parseFieldMap(
        'serviceTypes=amenity,externalId=osm_node_id,municipalityCode=kommunkod_pip',
        'service-points',
      ),
      knownServiceTypes: KNOWN_SERVICE_TYPES,
      typeMap: parseTypeMap(
        'pharmacy=PHARMACY,clinic=PRIMARY_CARE,doctors=PRIMARY_CARE',
        KNOWN_SERVICE_TYPES,
      ),
    });
    expect(result.errors).toEqual([]);
    expect(countTypes(result.rows)).toEqual({
      PHARMACY: count('pharmacy'),
      PRIMARY_CARE: count('clinic') + count('doctors'),
    });
    expect(count('pharmacy')).toBe(690);
    expect(result.skipped).toBe(count('dentist') + count('hospital'));
    const ankaret = result.rows.find((r) => r.externalId === '721838791')!;
    expect(ankaret.name).toBe('Ankaret, vårdcentral');
  });

  it('finds the services of the Källby extract: its school, at the mean of the school way’s nodes', async () => {
    const xml = readFileSync(KALLBY, 'utf8');
    const elements = osmElements(xml);
    const schools = elements.filter((e) => e.tags.get('amenity') === 'school');
    const result = await validateServicePointsStream(readRecords(KALLBY), {
      file: KALLBY,
      crs: 'EPSG:4326',
      knownServiceTypes: KNOWN_SERVICE_TYPES,
    });
    expect(result.errors).toEqual([]);
    // The extract's only service-like tags are a school, a dentist, parking, fast food and recycling.
    expect(countTypes(result.rows)).toEqual({ SCHOOL: schools.length });
    expect(schools).toHaveLength(1);
    const school = schools[0]!;
    expect(result.rows[0]!.externalId).toBe(`osm:${school.type}/${school.id}`);
    const coords = new Map(
      [...xml.matchAll(/<node id="(\d+)"[^>]*lat="([-\d.]+)" lon="([-\d.]+)"/g)].map((m) => [
        m[1]!,
        [Number(m[3]), Number(m[2])],
      ]),
    );
    const refs = [...school.body.matchAll(/<nd ref="(\d+)"\/>/g)].map((m) => m[1]!);
    const distinct = refs[0] === refs[refs.length - 1] ? refs.slice(0, -1) : refs;
    const mean = (axis: 0 | 1) =>
      distinct.reduce((sum, ref) => sum + coords.get(ref)![axis]!, 0) / distinct.length;
    expect(result.rows[0]!.x).toBeCloseTo(mean(0), 9);
    expect(result.rows[0]!.y).toBeCloseTo(mean(1), 9);
  });

  it('counts the pharmacies and libraries of the Stockholm extract', async () => {
    const elements = osmElements(readFileSync(STOCKHOLM, 'utf8'));
    const tagged = (key: string, value: string) => elements.filter((e) => e.tags.get(key) === value);
    const pharmacies = new Set([...tagged('amenity', 'pharmacy'), ...tagged('healthcare', 'pharmacy')]);
    const result = await validateServicePointsStream(readRecords(STOCKHOLM), {
      file: STOCKHOLM,
      crs: 'EPSG:4326',
      knownServiceTypes: KNOWN_SERVICE_TYPES,
    });
    expect(result.errors).toEqual([]);
    const counts = countTypes(result.rows);
    expect(counts.PHARMACY).toBe(pharmacies.size);
    expect(counts.LIBRARY).toBe(tagged('amenity', 'library').length);
    expect(pharmacies.size).toBeGreaterThan(0);
  });

  it('reads a gzip-compressed OSM extract', async () => {
    const xml = gunzipSync(readFileSync(BAYREUTH)).toString('utf8');
    const fuel = osmElements(xml).filter((e) => e.tags.get('amenity') === 'fuel');
    const result = await validateServicePointsStream(readRecords(BAYREUTH), {
      file: BAYREUTH,
      crs: 'EPSG:4326',
      knownServiceTypes: KNOWN_SERVICE_TYPES,
    });
    expect(result.errors).toEqual([]);
    expect(countTypes(result.rows).FUEL ?? 0).toBe(fuel.length);
    expect(fuel.length).toBeGreaterThan(0);
  });
});
