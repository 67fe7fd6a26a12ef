import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCliEnvironment } from '../helpers/db.js';
import { cli } from './run.js';

const hasOgr = spawnSync('ogr2ogr', ['--version']).status === 0;

/**
 * `import connectivity` and `analyse e-service` through the real CLI. One pharmacy in Upplands Väsby
 * (0114); three settlements well beyond 20 minutes of it: Norrtälje-ish (0188, broadband 0.9 from a
 * municipality CSV), a place in 0114 named like a spreadsheet formula (broadband 0.85), and one in 0160
 * (no figure: connectivity unknown).
 */
describe('serviceatlas import connectivity / analyse e-service (CLI, GIS-ready export)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sa-eservice-cli-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
    const settlements = join(dir, 'places.csv');
    writeFileSync(
      settlements,
      'name,population,population65Plus,municipalityCode,countyCode,externalId,lon,lat\n' +
        'Väsby,47000,7000,0114,01,t:vasby,17.9117,59.5186\n' +
        'Kusten,2400,900,0188,01,t:kusten,18.95,59.85\n' +
        '"=HYPERLINK(""http://x"")",300,80,0114,01,t:formula,17.9117,60.2\n' +
        'Skogen,150,60,0160,01,t:skogen,18.9,59.2\n',
    );
    const points = join(dir, 'points.csv');
    writeFileSync(points, 'name,serviceTypes,lon,lat\nApoteket Väsby,PHARMACY,17.9117,59.5186\n');
    for (const [kind, file] of [
      ['settlements', settlements],
      ['service-points', points],
    ] as const) {
      const r = await cli(env, 'import', kind, file);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 600_000);
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a municipality CSV with its as-of date and licence, and says what it matched', async () => {
    const file = join(dir, 'kommuner.csv');
    writeFileSync(file, 'kommun;bredband\n0188;0.9\n0114;0.85\n9999;0.5\n');
    const r = await cli(
      env,
      ...[
        'import',
        'connectivity',
        file,
        '--level',
        'MUNICIPALITY',
        '--map',
        'municipalityCode=kommun,broadbandShare=bredband',
      ],
      ...['--as-of', '2025-10-01', '--licence', 'CC0', '--source', 'PTS bredbandskartläggning (test)'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 rows — 3 inserted, 0 updated');
    expect(r.stdout).toContain('2 of 3 match stored municipalities');
    expect(r.stdout).toContain('licence: CC0; as of: 2025-10-01');
  });

  it('refuses a bad connectivity file with exit 1 naming file, line and field', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'municipalityCode,broadbandShare\n0160,0.9\n0160,abc\n');
    const r = await cli(env, 'import', 'connectivity', file, '--level', 'MUNICIPALITY');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.csv');
    expect(r.stderr).toMatch(/line 3, field "broadbandShare"/);
    const missing = await cli(env, 'import', 'connectivity', file);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--level/);
  });

  it('writes the targets as CSV: header first, codes as text, formulas neutralised, .csvt and an EPSG:4326 .prj', async () => {
    const out = join(dir, 'targets.csv');
    const r = await cli(env, 'analyse', 'e-service', '--service-type', 'pharmacy', '--output', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/3 e-service targets for PHARMACY/);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith('rank,originId,originKind,name,municipalityCode')).toBe(true);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    // Kusten (2400 + 0) × 0.9 = 2160 > Skogen 150 (unknown: no factor) … formula place 300 × 0.85 = 255.
    expect(rows.map((row) => [row.name, row.potentialUsers, row.connectivityKnown])).toEqual([
      ['Kusten', '2160', '1'],
      ['\'=HYPERLINK("http://x")', '255', '1'],
      ['Skogen', '150', '0'],
    ]);
    expect(rows[0]!.connectivityLevel).toBe('MUNICIPALITY');
    expect(rows[0]!.connectivitySource).toBe('PTS bredbandskartläggning (test)');
    expect(text).toContain('"0188"');
    expect(text).toContain('"\'=HYPERLINK(""http://x"")"');
    expect(Number(rows[0]!.lon)).toBeCloseTo(18.95, 9);
    const csvt = readFileSync(join(dir, 'targets.csvt'), 'utf8').trim().split(',');
    expect(csvt).toHaveLength(Object.keys(rows[0]!).length);
    expect(csvt[Object.keys(rows[0]!).indexOf('municipalityCode')]).toBe('"String"');
    const prj = readFileSync(join(dir, 'targets.prj'), 'utf8');
    expect(prj.startsWith('GEOGCS["WGS 84",')).toBe(true);
    expect(prj.endsWith('AUTHORITY["EPSG","4326"]]')).toBe(true);
    const known = await cli(
      env,
      'analyse',
      'e-service',
      '--service-type',
      'PHARMACY',
      '--known-connectivity-only',
    );
    expect((parse(known.stdout, { columns: true }) as unknown[]).length).toBe(2);
  });

  it('writes GeoJSON with the same rows, and narrows to a municipality', async () => {
    const r = await cli(
      env,
      'analyse',
      'e-service',
      '--service-type',
      'PHARMACY',
      '--format',
      'geojson',
      '--area',
      '0188',
    );
    expect(r.code, r.stderr).toBe(0);
    const fc = JSON.parse(r.stdout) as {
      features: { geometry: { coordinates: number[] }; properties: Record<string, unknown> }[];
    };
    expect(fc.features).toHaveLength(1);
    expect(fc.features[0]!.properties).toMatchObject({
      name: 'Kusten',
      municipalityCode: '0188',
      connectivityKnown: true,
    });
    expect(fc.features[0]!.geometry.coordinates).toEqual([18.95, 59.85]);
    const bad = await cli(env, 'analyse', 'e-service', '--service-type', 'PHARMACY', '--area', '12345');
    expect(bad.code).toBe(1);
  });

  describe.skipIf(!hasOgr)('opened by GDAL (skipped when ogr2ogr is not installed)', () => {
    it('converts to a GeoPackage as EPSG:4326 with typed columns', () => {
      const csv = join(dir, 'targets.csv');
      expect(existsSync(csv)).toBe(true);
      const gpkg = join(dir, 'targets.gpkg');
      execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, csv]);
      const info = execFileSync('ogrinfo', ['-so', '-al', gpkg], { encoding: 'utf8' });
      expect(info).toMatch(/Feature Count: 3/);
      expect(info).toMatch(/ID\["EPSG",4326\]|AUTHORITY\["EPSG","4326"\]/);
      expect(info).toMatch(/^population: Integer/m);
      expect(info).toMatch(/^potentialUsers: Real/m);
      expect(info).toMatch(/^municipalityCode: String/m);
      expect(info).toMatch(/^connectivityKnown: Integer\(Boolean\)/m);
      const sqlOut = execFileSync('ogrinfo', ['-al', '-where', "name = 'Kusten'", gpkg], {
        encoding: 'utf8',
      });
      expect(sqlOut).toMatch(/municipalityCode \(String\) = 0188/);
      expect(sqlOut).toMatch(/POINT \(18\.95 59\.85\)/);
    });
  });
});
