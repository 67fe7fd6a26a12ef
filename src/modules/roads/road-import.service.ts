/**
 * `serviceatlas import roads`: read and filter the file (outside any transaction; a bad file fails
 * here and writes nothing), then REPLACE the stored network in one transaction — import run, delete,
 * edges inserted in batches as they are cut (a country's edges never sit in memory as objects),
 * road_network row, data version. Any failure rolls all of it back, leaving the previous network.
 */
import { basename } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import type { Crs, ProgressReporter } from '../../import/index.js';
import { ImportError, ImportOptionError } from '../../import/index.js';
import type { ClipArea, PreparedRoads, RoadEdge, RoadFormat } from '../../import/roads/index.js';
import {
  clipArea,
  clipAreaLevel,
  polygonsOfGeoJson,
  prepareRoads,
  readClipFile,
} from '../../import/roads/index.js';
import { insertRoadEdges } from './road.repository.js';

export interface RoadImportRequest {
  file: string;
  format?: RoadFormat;
  crs?: Crs;
  map?: string;
  speedsFile?: string;
  /** Recorded in road_network.source (default `import: <file name>`). */
  source?: string;
  /** A reporter per reading pass. */
  progressFor?: (label: string) => ProgressReporter;
  /** Edges per INSERT (default 2000). */
  batchSize?: number;
  /**
   * `--clip`: a county (2 digits) or municipality (4 digits) code, whose boundary is read from the
   * database, or a GeoJSON polygon file; only ways with a node inside are kept, whole.
   */
  clip?: string;
}

export interface RoadImportSummary {
  importRunId: number;
  file: string;
  format: RoadFormat;
  waysRead: number;
  waysKept: number;
  rejected: Record<string, number>;
  edges: number;
  nodes: number;
  km: number;
  ferryWays: number;
  ferryEdges: number;
  onewayEdges: number;
  zeroLengthDropped: number;
  missingNodes: number;
  /** The `--clip` area's label, or null. */
  clip: string | null;
  dataVersion: number;
  seconds: number;
}

export async function importRoads(
  db: Kysely<Database>,
  request: RoadImportRequest,
): Promise<RoadImportSummary> {
  const started = performance.now();
  // A bad --clip fails before a country's file is read.
  const clip = request.clip === undefined ? undefined : await resolveClip(db, request.clip);
  const prepared = await prepareRoads(request.file, {
    format: request.format,
    crs: request.crs,
    map: request.map,
    speedsFile: request.speedsFile,
    progressFor: request.progressFor,
    clip,
  });
  const source = request.source ?? `import: ${basename(request.file)}`;
  return db.transaction().execute(async (trx) => {
    const written = await replaceRoadNetwork(trx, prepared, {
      file: request.file,
      source,
      batchSize: request.batchSize,
    });
    const dataVersion = await bumpDataVersion(trx);
    return {
      ...written,
      clip: clip?.label ?? null,
      dataVersion,
      seconds: (performance.now() - started) / 1000,
    };
  });
}

/**
 * `--clip <value>`: a county or municipality code → its boundary as imported into `areas` (refused when
 * missing, saying how to import it); anything else → a GeoJSON polygon file.
 */
export async function resolveClip(db: Kysely<Database>, value: string): Promise<ClipArea> {
  const level = clipAreaLevel(value.trim());
  if (level === null) return readClipFile(value);
  const what = level === 'COUNTY' ? 'county' : 'municipality';
  const row = await db
    .selectFrom('areas')
    .select(['name', sql<string | null>`ST_AsGeoJSON(geom)`.as('geojson')])
    .where('code', '=', value.trim())
    .where('level', '=', level)
    .executeTakeFirst();
  const advice = `import the boundaries first: serviceatlas import areas <file.geojson> --level ${level} (e.g. SCB's ${
    level === 'COUNTY' ? 'län' : 'kommun'
  } outlines)`;
  if (row === undefined)
    throw new ImportOptionError('--clip', `no ${what} ${value} in the database; ${advice}`);
  if (row.geojson === null)
    throw new ImportOptionError(
      '--clip',
      `${what} ${value} (${row.name}) has a name but no boundary; ${advice}`,
    );
  const label = `${what} ${value}${row.name ? ` (${row.name})` : ''}`;
  return clipArea(label, polygonsOfGeoJson(JSON.parse(row.geojson), `areas ${value}`));
}

/**
 * Replaces the stored network with `prepared`'s edges inside the caller's transaction (import run,
 * delete, batched inserts, road_network row); the caller bumps the data version. Used by
 * {@link importRoads} and by the Andorra demo, which loads roads with its other data in one transaction.
 */
export async function replaceRoadNetwork(
  trx: Transaction<Database>,
  prepared: PreparedRoads,
  options: { file: string; source: string; batchSize?: number },
): Promise<Omit<RoadImportSummary, 'clip' | 'dataVersion' | 'seconds'>> {
  const batchSize = options.batchSize ?? 2000;
  const run = await trx
    .insertInto('import_runs')
    .values({ kind: 'roads', file: options.file, format: prepared.format, status: 'RUNNING' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`DELETE FROM road_edges`.execute(trx);
  let batch: RoadEdge[] = [];
  for (const edge of prepared.edges()) {
    batch.push(edge);
    if (batch.length >= batchSize) {
      await insertRoadEdges(trx, batch);
      batch = [];
    }
  }
  await insertRoadEdges(trx, batch);
  const stats = prepared.stats();
  const nodes = prepared.nodes();
  if (stats.edges === 0)
    throw new ImportError('the kept roads gave no edges of non-zero length (all their nodes missing?)', {
      file: options.file,
    });
  await sql`DELETE FROM road_network`.execute(trx);
  await trx
    .insertInto('road_network')
    .values({
      id: 1,
      source: options.source,
      file: options.file,
      edges: stats.edges,
      nodes,
      import_run_id: run.id,
    })
    .execute();
  await trx
    .updateTable('import_runs')
    .set({
      status: 'DONE',
      inserted: stats.edges,
      skipped: prepared.waysRead - prepared.waysKept,
      finished_at: sql`now()`,
    })
    .where('id', '=', run.id)
    .execute();
  return {
    importRunId: run.id,
    file: options.file,
    format: prepared.format,
    waysRead: prepared.waysRead,
    waysKept: prepared.waysKept,
    rejected: prepared.rejected,
    edges: stats.edges,
    nodes,
    km: stats.lengthM / 1000,
    ferryWays: prepared.ferryWays,
    ferryEdges: stats.ferryEdges,
    onewayEdges: stats.onewayEdges,
    zeroLengthDropped: stats.zeroLengthDropped,
    missingNodes: stats.missingNodes,
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/** What the CLI prints after a road import: what was read, kept, stored. */
export function describeRoadImport(file: string, s: RoadImportSummary): string[] {
  const rejected = Object.entries(s.rejected)
    .map(([reason, n]) => `${count(n)} ${reason}`)
    .join(', ');
  return [
    `Imported roads from ${file} (${s.format}) in ${s.seconds.toFixed(1)} s (import run ${s.importRunId}); the previous network was replaced.`,
    ...(s.clip !== null
      ? [`  clipped to ${s.clip}: ways with a node inside kept whole (as osmium's complete_ways)`]
      : []),
    `  ways read ${count(s.waysRead)}, kept ${count(s.waysKept)}${rejected ? ` (not kept: ${rejected})` : ''}`,
    `  edges ${count(s.edges)} (one-way ${count(s.onewayEdges)}, ferry ${count(s.ferryEdges)} from ${count(s.ferryWays)} ferry routes), nodes ${count(s.nodes)}`,
    `  road length ${s.km.toFixed(1)} km`,
    ...(s.missingNodes > 0
      ? [`  ${count(s.missingNodes)} way nodes missing from the file (ways cut there)`]
      : []),
    ...(s.zeroLengthDropped > 0 ? [`  ${count(s.zeroLengthDropped)} zero-length edges dropped`] : []),
  ];
}
