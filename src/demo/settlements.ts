import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

/** A demo settlement: one of SCB's tätorter 2020 (real places, real populations). */
export interface DemoSettlement {
  externalId: string;
  name: string;
  population: number;
  lon: number;
  lat: number;
  municipalityCode: string | null;
  countyCode: string | null;
}

/**
 * The vendored open data the demo reads: one copy in data/open/<dataset>/ (each with its SOURCE.md), shared
 * with the tests; data/demo/SOURCE.md says which files the demo uses.
 */
export const DEMO_DATA_DIR = fileURLToPath(new URL('../../data/open/', import.meta.url));

export const DEMO_SETTLEMENT_SOURCE =
  'SCB Tätorter 2020 (CC0), data/open/scb-tatorter-2020/tatorter_2020_points.csv';

interface TatortRow {
  tatortskod: string;
  tatort: string;
  kommunkod: string;
  kommunnamn: string;
  lanskod: string;
  befolkning_2020: string;
  lon: string;
  lat: string;
}

function tatortRows(): TatortRow[] {
  return parse(readFileSync(`${DEMO_DATA_DIR}scb-tatorter-2020/tatorter_2020_points.csv`, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  }) as TatortRow[];
}

/** SCB's 2,017 tätorter 2020 (≥ 200 inhabitants) with their SCB municipality and county codes. */
export function buildDemoSettlements(): DemoSettlement[] {
  return tatortRows()
    .map((r) => ({
      externalId: `scb:tatort:${r.tatortskod}`,
      name: r.tatort,
      population: Number(r.befolkning_2020),
      lon: Number(r.lon),
      lat: Number(r.lat),
      municipalityCode: r.kommunkod,
      countyCode: r.lanskod,
    }))
    .sort((a, b) => a.externalId.localeCompare(b.externalId));
}

/** Swedish municipality names by 4-digit code, from the tätorter file ("Ludvika" → "Ludvika kommun"). */
export function municipalityNames(): Map<string, string> {
  const names = new Map<string, string>();
  for (const r of tatortRows()) names.set(r.kommunkod, `${r.kommunnamn} kommun`);
  return names;
}
