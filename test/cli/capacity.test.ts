import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCliEnvironment } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { cli } from './run.js';

const GRID = sharedDataFile('scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv');

/** The real CLI: `import grid` then `analyse capacity` (two processes), the need read back from the CSV. */
describe('serviceatlas import grid / analyse capacity', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-capacity-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the grid with progress on stderr, then writes need per municipality as CSV', async () => {
    const imported = await cli(
      env,
      'import',
      'grid',
      GRID,
      '--map',
      'population=befolkning_2025,population65Plus=befolkning_65_plus_2025,municipalityCode=kommunkod',
    );
    expect(imported.stderr).toMatch(/Importing grid/);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/4004 cells of 1000 m/);
    const analysed = await cli(env, 'analyse', 'capacity', '--service-type', 'ELDERLY_CARE', '--area', '20');
    expect(analysed.code).toBe(0);
    // The header is line 1 (the method, in words, goes to stderr).
    const [header, ...rows] = analysed.stdout.trim().split('\n');
    expect(analysed.stderr).toMatch(/2SFCA/);
    expect(header).toBe(
      'level,areaCode,areaName,populationBase,demand,need,placesInside,placesReachable,shortfall,meanAccess',
    );
    const lines = readFileSync(GRID, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const ludvika = rows.find((r) => r.startsWith('MUNICIPALITY,"2085"'))!.split(',');
    const p65 = lines.filter((c) => c[2] === '2085').reduce((s, c) => s + Number(c[8]), 0);
    expect(Number(ludvika[4])).toBe(p65);
    expect(Number(ludvika[5])).toBeCloseTo((p65 * 4) / 100, 2);
    // No capacities loaded: nothing reachable, the whole need is short.
    expect(Number(ludvika[7])).toBe(0);
    expect(Number(ludvika[8])).toBeCloseTo((p65 * 4) / 100, 2);
    expect(rows.filter((r) => r.startsWith('MUNICIPALITY'))).toHaveLength(15);
  }, 300_000);
});
