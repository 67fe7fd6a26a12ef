import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCliEnvironment } from '../helpers/db.js';
import { cli } from './run.js';

/**
 * The deserts CSV as GDAL reads it: lon/lat and a WKT point per row, and codes with leading zeros
 * kept as text (quoted, and String in the .csvt sidecar GDAL's CSV driver reads for column types).
 */
describe('serviceatlas analyse deserts --format csv for GIS tools', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  const places = [
    {
      name: 'Upplands Väsby',
      population: 47000,
      municipalityCode: '0114',
      countyCode: '01',
      lon: 17.9117,
      lat: 59.5186,
    },
    {
      name: 'Kiruna',
      population: 17000,
      municipalityCode: '2584',
      countyCode: '25',
      lon: 20.2253,
      lat: 67.8558,
    },
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-csv-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
    const file = join(dir, 'places.csv');
    writeFileSync(
      file,
      `name,population,municipalityCode,countyCode,lon,lat\n${places
        .map((p) => `${p.name},${p.population},${p.municipalityCode},${p.countyCode},${p.lon},${p.lat}`)
        .join('\n')}\n`,
    );
    const imported = await cli(env, 'import', 'settlements', file);
    expect(imported.stderr + imported.stdout).toMatch(/2 inserted/);
    expect(imported.code).toBe(0);
  }, 600_000);
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes lon, lat and WKT, keeps "0114" as text, and writes .csvt and .prj sidecars', async () => {
    const out = join(dir, 'deserts.csv');
    const r = await cli(env, 'analyse', 'deserts', '--service-type', 'GROCERY', '--output', out);
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const header = text.split('\n')[0]!.split(',');
    expect(header.slice(-3)).toEqual(['lon', 'lat', 'WKT']);
    // No grocery is loaded: both are deserts. Codes are quoted in the file itself.
    expect(text).toContain(',"0114","01",');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const byName = new Map(rows.map((row) => [row.name, row]));
    for (const p of places) {
      const row = byName.get(p.name)!;
      expect(row.municipalityCode).toBe(p.municipalityCode);
      expect(row.countyCode).toBe(p.countyCode);
      expect(Number(row.lon)).toBeCloseTo(p.lon, 6);
      expect(Number(row.lat)).toBeCloseTo(p.lat, 6);
      const m = /^POINT \((\S+) (\S+)\)$/.exec(row.WKT!)!;
      expect([Number(m[1]), Number(m[2])]).toEqual([Number(row.lon), Number(row.lat)]);
    }

    const csvt = readFileSync(join(dir, 'deserts.csvt'), 'utf8').trim().split(',');
    expect(csvt).toHaveLength(header.length);
    const typeOf = (column: string) => csvt[header.indexOf(column)];
    expect(typeOf('municipalityCode')).toBe('"String"');
    expect(typeOf('countyCode')).toBe('"String"');
    expect(typeOf('settlementId')).toBe('"String"');
    expect(typeOf('population')).toBe('"Integer"');
    expect(typeOf('travelMinutes')).toBe('"Real"');
    expect(typeOf('lon')).toBe('"Real"');
    expect(typeOf('WKT')).toBe('"WKT"');
    expect(readFileSync(join(dir, 'deserts.prj'), 'utf8')).toMatch(
      /^GEOGCS\["WGS 84".*AUTHORITY\["EPSG","4326"\]\]$/,
    );
  }, 300_000);

  it('writes no sidecars for GeoJSON', async () => {
    const out = join(dir, 'deserts.geojson');
    const r = await cli(
      env,
      'analyse',
      'deserts',
      '--service-type',
      'GROCERY',
      '--format',
      'geojson',
      '--output',
      out,
    );
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'deserts.geojsont'))).toBe(false);
    expect(JSON.parse(readFileSync(out, 'utf8')).features).toHaveLength(2);
  }, 300_000);
});
