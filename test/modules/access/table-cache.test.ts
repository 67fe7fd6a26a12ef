/**
 * The access-table cache (src/modules/access/table-cache.ts): a snapshot that adopts the tables another
 * snapshot of the same data saved answers exactly as a cold build (every column, byte for byte); a file
 * that is corrupt, truncated or built from other inputs (a moved point) is ignored and that type rebuilt.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCatalogue } from '../../../src/catalogue.js';
import { seededRandom } from '../../../src/demo/random.js';
import type { AccessTable } from '../../../src/engine/access.js';
import { AnalysisSnapshot } from '../../../src/modules/access/snapshot.js';
import { decodeTable, encodeTable, TableCache } from '../../../src/modules/access/table-cache.js';
import type { ServicePoint } from '../../../src/modules/service-points/service-point.repository.js';
import type { Settlement } from '../../../src/modules/settlements/settlement.repository.js';
import { storedServicePoint, storedSettlement } from '../../engine/helpers/builders.js';

const catalogue = readCatalogue();
const random = seededRandom(25);
const settlements: Settlement[] = Array.from({ length: 300 }, (_, i) => {
  const lon = 14 + random() * 2;
  const lat = 60 + random() * 1.5;
  return storedSettlement(String(i + 1), `S${i}`, lon, lat, 10 + Math.floor(random() * 500));
});
const points: ServicePoint[] = Array.from({ length: 45 }, (_, i) =>
  storedServicePoint(`p${i}`, `P${i}`, 14 + random() * 2, 60 + random() * 1.5, [
    catalogue[i % catalogue.length]!.code,
  ]),
);
const model = { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 };
const codes = catalogue.map((t) => t.code).sort();

/** Every column of a table as bytes (NaN and Infinity compared exactly). */
function columns(table: AccessTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(table))
    out[name] = ArrayBuffer.isView(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
      : JSON.stringify(value);
  return out;
}

/** A snapshot of the data with every type's table built cold, the reference answers. */
function coldSnapshot(pts: readonly ServicePoint[] = points): AnalysisSnapshot {
  const snapshot = new AnalysisSnapshot(7, settlements, pts, catalogue);
  for (const code of codes) snapshot.nearestTable(code, model);
  return snapshot;
}

const dirs: string[] = [];
function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sa-tables-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the access-table cache', () => {
  it('gives a new snapshot of the same data every type’s table, identical to a cold build', async () => {
    const dir = cacheDir();
    const cold = coldSnapshot();
    expect((await new TableCache(dir).save(cold)).sort()).toEqual(codes);
    const restarted = new AnalysisSnapshot(8, settlements, points, catalogue);
    expect(await new TableCache(dir).adopt(restarted, model)).toEqual(codes);
    for (const code of codes) {
      expect(columns(restarted.builtNearestTable(code)!)).toEqual(columns(cold.nearestTable(code, model)));
      // …and what requests read from it (derived minutes under another threshold) too.
      expect(columns(restarted.table(code, model, 25))).toEqual(columns(cold.table(code, model, 25)));
    }
  });

  it('ignores a corrupt or truncated file: that type is built again, with the cold answers', async () => {
    const dir = cacheDir();
    const cold = coldSnapshot();
    await new TableCache(dir).save(cold);
    const files = readdirSync(dir).sort();
    const [first, second] = [join(dir, files[0]!), join(dir, files[1]!)];
    const bytes = readFileSync(first);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(first, bytes);
    writeFileSync(second, readFileSync(second).subarray(0, 200));
    const restarted = new AnalysisSnapshot(8, settlements, points, catalogue);
    const adopted = await new TableCache(dir).adopt(restarted, model);
    const broken = [files[0]!, files[1]!].map((f) => f.slice(0, f.lastIndexOf('-')));
    expect(adopted).toEqual(codes.filter((c) => !broken.includes(c)));
    for (const code of broken) expect(restarted.hasNearestTable(code)).toBe(false);
    for (const code of codes)
      expect(columns(restarted.nearestTable(code, model))).toEqual(columns(cold.nearestTable(code, model)));
  });

  it('does not adopt a table built from other inputs: a moved point, another travel model', async () => {
    const dir = cacheDir();
    await new TableCache(dir).save(coldSnapshot());
    const moved = points.map((p, i) => (i === 0 ? { ...p, lon: p.lon + 0.3 } : p));
    const movedType = catalogue[0]!.code;
    const restarted = new AnalysisSnapshot(9, settlements, moved, catalogue);
    const adopted = await new TableCache(dir).adopt(restarted, model);
    expect(adopted).toEqual(codes.filter((c) => c !== movedType));
    expect(columns(restarted.nearestTable(movedType, model))).toEqual(
      columns(coldSnapshot(moved).nearestTable(movedType, model)),
    );
    const other = new AnalysisSnapshot(9, settlements, points, catalogue);
    expect(await new TableCache(dir).adopt(other, { ...model, speedKmh: 50 })).toEqual([]);
  });

  it('decodes only a file of the right key and row count', () => {
    const table = coldSnapshot().nearestTable(codes[0]!, model);
    const file = encodeTable(table, 'k1', 7);
    expect(decodeTable(file, 'k1', settlements.length)).not.toBeNull();
    expect(decodeTable(file, 'k2', settlements.length)).toBeNull();
    expect(decodeTable(file, 'k1', settlements.length + 1)).toBeNull();
    expect(decodeTable(new Uint8Array(5), 'k1', settlements.length)).toBeNull();
  });
});
