import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { GridCellInput } from '../modules/grid/grid.repository.js';
import { parseRutid } from '../import/grid-row.js';
import { DEMO_DATA_DIR } from './settlements.js';

/** Real OpenStreetMap health points of the demo: pharmacies, and clinics and doctors as primary care. */
export interface DemoRealPoint {
  externalId: string;
  name: string;
  serviceTypes: string[];
  lon: number;
  lat: number;
  municipalityCode: string | null;
}

export const DEMO_OSM_SOURCE =
  '© OpenStreetMap contributors (ODbL 1.0), nodes of Dec 2020 (data/open/osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv)';
export const DEMO_GRID_SOURCE =
  'SCB befolkning per km-ruta 2025, Dalarna (CC0), data/open/scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv';

/** The service types the demo takes from OpenStreetMap (the generator leaves them out). */
export const OSM_DEMO_TYPES: Readonly<Record<string, string>> = {
  pharmacy: 'PHARMACY',
  clinic: 'PRIMARY_CARE',
  doctors: 'PRIMARY_CARE',
};

const UNNAMED: Record<string, string> = { PHARMACY: 'Apotek', PRIMARY_CARE: 'Vårdcentral/läkare' };

export function demoOsmPoints(): DemoRealPoint[] {
  const rows = parse(
    readFileSync(
      `${DEMO_DATA_DIR}osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv`,
      'utf8',
    ),
    {
      columns: true,
      skip_empty_lines: true,
    },
  ) as {
    osm_node_id: string;
    amenity: string;
    name: string;
    lat: string;
    lon: string;
    kommunkod_pip: string;
  }[];
  const points: DemoRealPoint[] = [];
  for (const r of rows) {
    const type = OSM_DEMO_TYPES[r.amenity];
    if (!type) continue;
    points.push({
      externalId: `osm:node/${r.osm_node_id}`,
      name: r.name.trim() === '' ? `${UNNAMED[type]} (unnamed)` : r.name,
      serviceTypes: [type],
      lon: Number(r.lon),
      lat: Number(r.lat),
      municipalityCode: /^\d{4}$/.test(r.kommunkod_pip) ? r.kommunkod_pip : null,
    });
  }
  return points;
}

/** Dalarna's populated 1 km squares 2025 with 65+ (rutid → SWEREF 99 TM corner). */
export function demoGridCells(): GridCellInput[] {
  const rows = parse(
    readFileSync(`${DEMO_DATA_DIR}scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv`, 'utf8'),
    {
      columns: true,
      skip_empty_lines: true,
    },
  ) as { rutid: string; kommunkod: string; befolkning_2025: string; befolkning_65_plus_2025: string }[];
  return rows.map((r) => {
    const corner = parseRutid(r.rutid);
    if (corner === null) throw new Error(`demo grid: ${r.rutid} is not an SCB rutid`);
    return {
      cellId: r.rutid,
      cornerX: corner.x,
      cornerY: corner.y,
      sizeM: 1000,
      population: Number(r.befolkning_2025),
      population65Plus: Number(r.befolkning_65_plus_2025),
      population80Plus: null,
      municipalityCode: r.kommunkod,
      countyCode: r.kommunkod.slice(0, 2),
    };
  });
}
