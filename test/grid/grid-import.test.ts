import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { readDataVersion } from '../../src/db/data-version.js';
import { ImportOptionError, ImportValidationError } from '../../src/import/index.js';
import { parseRutid } from '../../src/import/grid-row.js';
import { importAreas } from '../../src/modules/areas/area-import.js';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshApp } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';

const GRID_CSV = sharedDataFile('scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv');
const GRID_GEOJSON = sharedDataFile('scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.geojson');
const KOMMUNER = sharedDataFile('scb-kommuner-lan-2024/kommuner_2024_generalized.geojson');
const SCB_MAP =
  'population=befolkning_2025,population65Plus=befolkning_65_plus_2025,municipalityCode=kommunkod';

/** The file's own rows, read plainly (the oracle for what was stored). */
function csvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, v])));
}

let app: App;
let database: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'grid-'));

beforeAll(async () => {
  ({ app, database } = await freshApp());
});
afterAll(async () => {
  await app.close();
  await database.close();
});

describe('import grid: SCB’s 1 km population squares of Dalarna 2025', () => {
  it('stores every square once, with its population, 65+, municipality and the county from its first two digits', async () => {
    const before = await readDataVersion(app.db);
    const outcome = await runImportJob(app.db, {
      kind: 'grid',
      file: GRID_CSV,
      options: { map: SCB_MAP },
    });
    expect(outcome.lines[0]).toMatch(/4004 cells of 1000 m/);
    expect(await readDataVersion(app.db)).toBeGreaterThan(before);
    const rows = csvRows(GRID_CSV);
    const expectedPopulation = rows.reduce((s, r) => s + Number(r.befolkning_2025), 0);
    const expected65 = rows.reduce((s, r) => s + Number(r.befolkning_65_plus_2025), 0);
    const stored = await sql<{ n: number; pop: number; p65: number; sizes: number; counties: string }>`
        SELECT count(*)::int AS n, sum(population)::int AS pop, sum(population_65_plus)::int AS p65,
               count(DISTINCT size_m)::int AS sizes, string_agg(DISTINCT county_code, ',') AS counties
        FROM grid_cells`.execute(app.db);
    expect(stored.rows[0]).toEqual({
      n: 4004,
      pop: expectedPopulation,
      p65: expected65,
      sizes: 1,
      counties: '20',
    });
    expect(expectedPopulation).toBe(285_587); // SOURCE.md's total
    const byId = new Map(rows.map((r) => [r.rutid!, r]));
    const cells = await sql<{
      cell_id: string;
      municipality_code: string;
      x: number;
      y: number;
      area: number;
      cx: number;
      cy: number;
    }>`
        SELECT cell_id, municipality_code, ST_XMin(ST_Transform(geom, 3006)) AS x, ST_YMin(ST_Transform(geom, 3006)) AS y,
               ST_Area(ST_Transform(geom, 3006)) AS area,
               ST_X(ST_Transform(centroid, 3006)) AS cx, ST_Y(ST_Transform(centroid, 3006)) AS cy
        FROM grid_cells ORDER BY cell_id LIMIT 50`.execute(app.db);
    for (const c of cells.rows) {
      const corner = parseRutid(c.cell_id)!;
      expect(Number(c.x)).toBeCloseTo(corner.x, 3);
      expect(Number(c.y)).toBeCloseTo(corner.y, 3);
      expect(Number(c.area)).toBeCloseTo(1_000_000, -1);
      // SCB's own centre (e, n) in the file.
      expect(Number(c.cx)).toBeCloseTo(Number(byId.get(c.cell_id)!.e), 1);
      expect(Number(c.cy)).toBeCloseTo(Number(byId.get(c.cell_id)!.n), 1);
      expect(c.municipality_code).toBe(byId.get(c.cell_id)!.kommunkod);
    }
  });

  it('reads the GeoJSON polygons into the same squares (replacing the stored grid, not adding to it)', async () => {
    await runImportJob(app.db, {
      kind: 'grid',
      file: GRID_GEOJSON,
      options: { map: SCB_MAP, cellSize: '1000' },
    });
    const stored = await sql<{ n: number; pop: number }>`
        SELECT count(*)::int AS n, sum(population)::int AS pop FROM grid_cells`.execute(app.db);
    expect(stored.rows[0]).toEqual({ n: 4004, pop: 285_587 });
  });

  it('without municipality codes, assigns each square to the municipality boundary holding its centre', async () => {
    await importAreas(app.db, {
      file: KOMMUNER,
      level: 'MUNICIPALITY',
      map: 'code=kommunkod,name=kommunnamn',
    });
    await runImportJob(app.db, {
      kind: 'grid',
      file: GRID_CSV,
      options: { map: 'population=befolkning_2025' },
    });
    const rows = new Map(csvRows(GRID_CSV).map((r) => [r.rutid!, r.kommunkod!]));
    const stored = await sql<{
      cell_id: string;
      municipality_code: string | null;
      county_code: string | null;
    }>`
        SELECT cell_id, municipality_code, county_code FROM grid_cells`.execute(app.db);
    let same = 0;
    for (const c of stored.rows) {
      if (c.municipality_code === rows.get(c.cell_id)) same++;
      if (c.municipality_code !== null) expect(c.county_code).toBe(c.municipality_code.slice(0, 2));
    }
    // The boundaries are generalised; SCB assigned by DeSO. About 96% of squares agree (the rest lie near a border).
    expect(same / stored.rows.length).toBeGreaterThan(0.95);
  });
});

describe('import grid: coordinates, sizes and refusals', () => {
  it('snaps SWEREF 99 TM centres or corners to their 250 m squares and derives SCB ids', async () => {
    const file = join(dir, 'centres.csv');
    writeFileSync(
      file,
      'x;y;pop;p65;p80;kommun\n500125;6700125;10;4;1;2085\n500250;6700000;7;;;2085\n500374,9;6700374,9;3;1;0;2085\n',
    );
    const lines = (
      await runImportJob(app.db, {
        kind: 'grid',
        file,
        options: {
          crs: 'EPSG:3006',
          cellSize: '250',
          map: 'population=pop,population65Plus=p65,population80Plus=p80,municipalityCode=kommun',
        },
      })
    ).lines;
    expect(lines[0]).toMatch(/3 cells of 250 m/);
    const stored = await sql<{
      cell_id: string;
      population: number;
      population_80_plus: number | null;
      county_code: string;
    }>`
      SELECT cell_id, population, population_80_plus, county_code FROM grid_cells ORDER BY cell_id`.execute(
      app.db,
    );
    expect(stored.rows).toEqual([
      { cell_id: '5000006700000', population: 10, population_80_plus: 1, county_code: '20' },
      { cell_id: '5002506700000', population: 7, population_80_plus: null, county_code: '20' },
      { cell_id: '5002506700250', population: 3, population_80_plus: 0, county_code: '20' },
    ]);
  });

  it('imports nothing when any row is invalid, naming the line and field', async () => {
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM grid_cells`.execute(app.db);
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'rutid,population\n5000006701000,5\n5000006702000,-3\n5000006701000,2\n');
    const error = await runImportJob(app.db, { kind: 'grid', file, options: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportValidationError);
    expect(error.message).toMatch(/line 3.*population/);
    expect(error.message).toMatch(/line 4.*duplicate "5000006701000"/);
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM grid_cells`.execute(app.db);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });

  it('refuses to append squares of another size (a resident would be counted twice)', async () => {
    const file = join(dir, 'km.csv');
    writeFileSync(file, 'rutid,population\n5000006701000,5\n');
    const error = await runImportJob(app.db, { kind: 'grid', file, options: { append: 'true' } }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ImportOptionError);
    expect(error.message).toMatch(/250 m.*1000 m/);
  });

  it('asks for --cell-size when cells have no rutid', async () => {
    const file = join(dir, 'nosize.csv');
    writeFileSync(file, 'lon,lat,population\n15.2,60.1,5\n');
    await expect(runImportJob(app.db, { kind: 'grid', file, options: {} })).rejects.toThrow(/--cell-size/);
  });
});
