import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCliEnvironment, openCliDatabase } from '../helpers/db.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/serviceatlas.mjs');
const MINI_BZ2 = resolve(import.meta.dirname, '../fixtures/roads/mini.osm.bz2');
const STEP = (6_371_008.8 * Math.PI * 0.01) / 180;

async function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('serviceatlas import roads', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-roads-cli-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stored() {
    const handle = await openCliDatabase(env);
    try {
      return (
        await sql<{
          source: number;
          target: number;
          oneway: boolean;
          road_class: string;
          minutes: number;
          name: string | null;
        }>`
          SELECT source::float8 AS source, target::float8 AS target, oneway, road_class, minutes, name
          FROM road_edges ORDER BY source, target`.execute(handle.db)
      ).rows;
    } finally {
      await handle.close();
    }
  }

  it('imports a .osm.bz2 file and prints the summary', async () => {
    const r = await cli(env, 'import', 'roads', MINI_BZ2);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported roads from .*mini\.osm\.bz2 \(osm\)/);
    expect(r.stdout).toMatch(/ways read 3, kept 2 \(not kept: 1 not a car road\)/);
    expect(r.stdout).toMatch(/edges 3 \(one-way 1, ferry 0 from 0 ferry routes\), nodes 4/);
    expect(r.stdout).toContain(`road length ${((4 * STEP) / 1000).toFixed(1)} km`);
    expect(r.stderr).toMatch(/2\/2: nodes/); // progress on stderr
    const rows = await stored();
    expect(rows.map((e) => [e.source, e.target, e.oneway, e.road_class])).toEqual([
      [1, 2, false, 'tertiary'],
      [2, 4, true, 'track'],
      [2, 5, false, 'tertiary'],
    ]);
    expect(rows[1]!.minutes).toBeCloseTo(((2 * STEP) / 1000 / 20) * 60, 9);
    expect(rows[0]!.name).toBe('Bygatan & Co');
  }, 600_000);

  it('exits 1 on a bad file or option and keeps the stored network', async () => {
    const bad = join(dir, 'bad.osm');
    writeFileSync(bad, '<osm><node id="1" lat="0" lon="200"/><way id="1"><nd ref="1"/><nd ref="1"/></way>');
    const r = await cli(env, 'import', 'roads', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.osm: no car-usable roads/);
    const typo = await cli(env, 'import', 'roads', MINI_BZ2, '--format', 'shp');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/--format: unknown road format "shp"/);
    expect(await stored()).toHaveLength(3);
  }, 600_000);
});
