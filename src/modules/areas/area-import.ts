import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import { ImportError, ImportOptionError } from '../../import/index.js';
import type { AreaLevel } from './area.repository.js';
import { upsertAreas } from './area.repository.js';
import type { RederivedCodes } from './rederive.js';
import { rederiveCodes } from './rederive.js';

/**
 * Imports municipality or county boundaries from a GeoJSON FeatureCollection of (Multi)Polygons
 * (e.g. SCB's generalised kommun/län files), in one transaction. `--map code=kommunkod,name=kommunnamn`.
 * In the same transaction the codes stored beside settlements and service points are derived again from
 * the boundaries (rederive.ts); the result says how many changed.
 */
export async function importAreas(
  db: Kysely<Database>,
  request: { file: string; level: AreaLevel; map?: string; path?: string },
): Promise<{ count: number; rederived: RederivedCodes }> {
  const map = new Map<string, string>();
  for (const pair of (request.map ?? '').split(',').filter(Boolean)) {
    const [ours, theirs] = pair.split('=').map((s) => s.trim());
    if (!ours || !theirs || !['code', 'name'].includes(ours)) {
      throw new ImportOptionError('--map', `areas take code=<field>,name=<field>; got "${pair}"`);
    }
    map.set(ours, theirs);
  }
  let data: {
    type?: string;
    features?: { properties?: Record<string, unknown>; geometry?: { type?: string } }[];
  };
  try {
    data = JSON.parse(readFileSync(request.path ?? request.file, 'utf8'));
  } catch (error) {
    throw new ImportError(`not readable GeoJSON (${(error as Error).message})`, { file: request.file });
  }
  if (data.type !== 'FeatureCollection' || !Array.isArray(data.features)) {
    throw new ImportError('expected a GeoJSON FeatureCollection', { file: request.file });
  }
  const codeField = map.get('code') ?? 'code';
  const nameField = map.get('name') ?? 'name';
  const digits = request.level === 'COUNTY' ? 2 : 4;
  const areas = data.features.map((f, i) => {
    const raw = f.properties?.[codeField];
    const code = typeof raw === 'number' ? String(raw).padStart(digits, '0') : String(raw ?? '');
    if (!new RegExp(`^\\d{${digits}}$`).test(code)) {
      throw new ImportError(`expected a ${digits}-digit code, got ${JSON.stringify(raw)}`, {
        file: request.file,
        featureIndex: i,
        field: codeField,
      });
    }
    const type = f.geometry?.type;
    if (type !== 'Polygon' && type !== 'MultiPolygon') {
      throw new ImportError(`expected Polygon or MultiPolygon, got ${type}`, {
        file: request.file,
        featureIndex: i,
        field: 'geometry',
      });
    }
    const name = f.properties?.[nameField];
    return {
      code,
      level: request.level,
      name: typeof name === 'string' ? name : null,
      parentCode: request.level === 'MUNICIPALITY' ? code.slice(0, 2) : null,
      geometry: f.geometry,
    };
  });
  return db.transaction().execute(async (trx) => {
    const count = await upsertAreas(trx, areas);
    // The codes stored beside settlements and service points follow the new boundaries (rederive.ts).
    const rederived = await rederiveCodes(trx, request.level);
    await bumpDataVersion(trx);
    return { count, rederived };
  });
}
