/**
 * `serviceatlas import grid`: read and validate the whole file first (nothing written on any error),
 * fix every cell's square (rutid corner, or the point snapped to its square in SWEREF 99 TM), then write in
 * ONE transaction: import run, the grid (replacing the stored one unless appending), municipality and
 * county for cells without, the data-version bump.
 */
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { Crs, ImportFormat, ProgressReporter } from '../../import/index.js';
import {
  ImportError,
  ImportOptionError,
  ImportValidationError,
  detectFormat,
  formatPosition,
  parseFieldMap,
  readRecords,
  silentProgress,
} from '../../import/index.js';
import type { GridRow } from '../../import/grid-row.js';
import { resolveCellSize, rutidOf, validateGridStream } from '../../import/grid-row.js';
import type { GridCellInput } from './grid.repository.js';
import {
  assignGridAreas,
  deleteGridCells,
  storedGridSizes,
  toSweref,
  upsertGridCells,
} from './grid.repository.js';
import { inImportRun, validatedRows } from '../imports/validated-import.js';

export interface GridImportRequest {
  file: string;
  path?: string;
  format?: ImportFormat;
  crs: Crs;
  map?: string;
  /** Square size in metres; inferred from SCB rutids when absent. */
  cellSize?: number | null;
  /** Add to / update the stored grid instead of replacing it (the sizes must match). */
  append?: boolean;
  source?: string;
  progress?: ProgressReporter;
  /** Progress of the write, in cells. */
  writeProgress?: ProgressReporter;
}

export interface GridImportSummary {
  importRunId: number;
  file: string;
  format: ImportFormat;
  cellSize: number;
  cells: number;
  inserted: number;
  updated: number;
  replaced: number;
  population: number;
  population65Plus: number | null;
  population80Plus: number | null;
  /** Cells left without a municipality (no code in the file, and no stored boundary holds them). */
  withoutMunicipality: number;
}

export async function importGrid(
  db: Kysely<Database>,
  request: GridImportRequest,
): Promise<GridImportSummary> {
  const format = request.format ?? detectFormat(request.file);
  if (format === 'osm') throw new ImportOptionError('--format', 'a grid is read from csv or geojson');
  const records = readRecords(request.file, {
    format,
    crs: request.crs,
    allowPolygons: true,
    progress: request.progress ?? silentProgress,
    path: request.path,
  });
  const rows = validatedRows(
    request.file,
    await validateGridStream(records, {
      file: request.file,
      crs: request.crs,
      fieldMap: parseFieldMap(request.map, 'grid'),
    }),
    'grid cells',
  );
  const sizeM = resolveCellSize(rows, request.cellSize ?? null, request.file);
  const cells = await squaresOf(db, rows, sizeM, request.file);

  const source = request.source ?? `import: ${basename(request.file)}`;
  const write = request.writeProgress ?? silentProgress;
  return inImportRun(db, { kind: 'grid', file: request.file, format }, async (trx, runId) => {
    let replaced = 0;
    if (request.append) {
      const other = (await storedGridSizes(trx)).filter((s) => s !== sizeM);
      if (other.length > 0) {
        throw new ImportOptionError(
          '--append',
          `the stored grid has ${other.join(', ')} m squares and this file ${sizeM} m: one grid counts every resident once, so replace it (import without --append)`,
        );
      }
    } else {
      replaced = await deleteGridCells(trx);
    }
    write.start(cells.length);
    const counts = await upsertGridCells(trx, cells, { source, importRunId: runId }, (n) => write.tick(n));
    write.stop();
    const withoutMunicipality = await assignGridAreas(trx, runId);
    const sum = (pick: (c: GridCellInput) => number | null) => {
      let total = 0;
      let known = false;
      for (const c of cells) {
        const v = pick(c);
        if (v !== null) {
          total += v;
          known = true;
        }
      }
      return known ? total : null;
    };
    const result: GridImportSummary = {
      importRunId: runId,
      file: request.file,
      format,
      cellSize: sizeM,
      cells: cells.length,
      inserted: counts.inserted,
      updated: counts.updated,
      replaced: request.append ? 0 : Math.max(0, replaced - counts.updated),
      population: sum((c) => c.population) ?? 0,
      population65Plus: sum((c) => c.population65Plus),
      population80Plus: sum((c) => c.population80Plus),
      withoutMunicipality,
    };
    return { counts, result };
  });
}

/**
 * Every row's square: the rutid's corner, or the SWEREF 99 TM square its point lies in (PostGIS
 * transforms WGS84 points). Two rows on one square are an error naming both.
 */
async function squaresOf(
  db: Kysely<Database>,
  rows: readonly GridRow[],
  sizeM: number,
  file: string,
): Promise<GridCellInput[]> {
  const needing = rows.filter((r) => r.corner === null);
  const projected = await toSweref(
    db,
    needing.map((r) => r.point!),
  );
  const cornerOf = new Map<GridRow, { x: number; y: number }>();
  needing.forEach((r, i) => {
    const p = projected[i]!;
    cornerOf.set(r, { x: Math.floor(p.x / sizeM) * sizeM, y: Math.floor(p.y / sizeM) * sizeM });
  });
  const bySquare = new Map<string, GridRow>();
  const errors: ImportError[] = [];
  const cells = rows.map((r) => {
    const corner = r.corner ?? cornerOf.get(r)!;
    const square = rutidOf(corner);
    const before = bySquare.get(square);
    if (before !== undefined) {
      errors.push(
        new ImportError(
          `the same ${sizeM} m square (${square}) as ${formatPosition(before.position)}: each square once`,
          { file, line: r.position.line, featureIndex: r.position.featureIndex, field: 'cellId' },
        ),
      );
    } else bySquare.set(square, r);
    return {
      cellId: r.cellId ?? square,
      cornerX: corner.x,
      cornerY: corner.y,
      sizeM,
      population: r.population,
      population65Plus: r.population65Plus,
      population80Plus: r.population80Plus,
      municipalityCode: r.municipalityCode,
      countyCode: r.countyCode,
    };
  });
  if (errors.length > 0) throw new ImportValidationError(file, errors);
  return cells;
}

/** The lines `import grid` prints when committed. */
export function describeGridImport(file: string, s: GridImportSummary): string[] {
  const lines = [
    `Imported grid from ${file} (${s.format}): ${s.cells} cells of ${s.cellSize} m — ${s.inserted} inserted, ` +
      `${s.updated} updated${s.replaced > 0 ? `, ${s.replaced} earlier cells replaced` : ''} (import run ${s.importRunId})`,
    `  residents ${s.population}${s.population65Plus !== null ? `, 65+ ${s.population65Plus}` : ''}${s.population80Plus !== null ? `, 80+ ${s.population80Plus}` : ''}`,
  ];
  if (s.withoutMunicipality > 0)
    lines.push(
      `  ${s.withoutMunicipality} cells have no municipality (none in the file, and no stored boundary holds them: import areas first, or map municipalityCode)`,
    );
  return lines;
}
