/**
 * Access tables kept on disk between starts, so a restart (or a CLI command) adopts a snapshot's per-type
 * nearest tables instead of recomputing them (issue 25: "fast restarts").
 *
 * One file per service type, named by the type and a fingerprint of everything its nearest table depends
 * on: the origins' coordinates in order, the type's open points in index order (id and coordinates), the
 * threshold, the travel model and the road network's identity and options. The data version is recorded
 * but is not the key: the fingerprint is, so a table is adopted only for exactly the inputs it was built
 * from, and a write that changes nothing the table reads (a scenario, a key) keeps it. A file that is
 * short, has another key or fails its checksum is ignored (and the table rebuilt); writing goes to a
 * temporary name renamed over the final one, off the request path, and drops the type's older files.
 *
 * Layout: "SATBL001", a little-endian uint32 header length, the header (JSON: key, the columns' names,
 * types, offsets and lengths, the body's SHA-256), then the columns, each 8-byte aligned.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccessTable } from '../../engine/access.js';
import type { TravelModel } from '../../engine/types.js';
import type { AnalysisSnapshot } from './snapshot.js';

const MAGIC = 'SATBL001';
const FORMAT = 1;

type ColumnName = Exclude<keyof AccessTable, 'serviceType' | 'thresholdMinutes' | 'thresholdKm' | 'model'>;
type ColumnType = 'i32' | 'f64' | 'u8';

const COLUMNS: readonly (readonly [ColumnName, ColumnType])[] = [
  ['pointIndex', 'i32'],
  ['straightKm', 'f64'],
  ['minutes', 'f64'],
  ['travelKm', 'f64'],
  ['within', 'u8'],
  ['method', 'u8'],
  ['connectorKm', 'f64'],
  ['fallback', 'u8'],
  ['secondPointIndex', 'i32'],
  ['secondStraightKm', 'f64'],
  ['secondMinutes', 'f64'],
  ['secondTravelKm', 'f64'],
  ['secondWithin', 'u8'],
  ['secondConnectorKm', 'f64'],
];

interface Header {
  format: number;
  key: string;
  dataVersion: number;
  serviceType: string;
  thresholdMinutes: number;
  thresholdKm: number | null;
  model: TravelModel;
  rows: number;
  columns: { name: ColumnName; type: ColumnType; offset: number; length: number }[];
  sha256: string;
}

const BYTES: Record<ColumnType, number> = { i32: 4, f64: 8, u8: 1 };

function view(type: ColumnType, bytes: Uint8Array): Int32Array | Float64Array | Uint8Array {
  // A copy into a buffer of its own (not Buffer#slice, a view): aligned, and nothing keeps the file alive.
  const own = new Uint8Array(bytes);
  if (type === 'u8') return own;
  return type === 'i32'
    ? new Int32Array(own.buffer, 0, own.byteLength / 4)
    : new Float64Array(own.buffer, 0, own.byteLength / 8);
}

/** The bytes of a typed array (its own range only). */
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** What a snapshot's tables of one travel model are keyed by, apart from the type. */
export class TableKeys {
  private origins: string | null = null;

  constructor(private readonly snapshot: AnalysisSnapshot) {}

  /** The fingerprint of a type's nearest table (k = 2, the type's own thresholds) under `model`. */
  key(code: string, model: TravelModel): string {
    const snapshot = this.snapshot;
    this.origins ??= fingerprintOrigins(snapshot);
    const type = snapshot.engine.serviceType(code);
    const points = snapshot.engine.index(code).points;
    const hash = createHash('sha256');
    hash.update(
      JSON.stringify({
        format: FORMAT,
        code,
        thresholdMinutes: type.thresholdMinutes,
        thresholdKm: type.thresholdKm,
        model: [model.circuityFactor, model.speedKmh, model.fixedMinutes],
        network: snapshot.network ? [snapshot.network.key, snapshot.networkOptions] : null,
        origins: this.origins,
      }),
    );
    const coords = new Float64Array(points.length * 2);
    points.forEach((p, i) => {
      coords[2 * i] = p.lon;
      coords[2 * i + 1] = p.lat;
    });
    hash.update(bytesOf(coords));
    hash.update(points.map((p) => p.id).join('\n'));
    return hash.digest('hex');
  }
}

function fingerprintOrigins(snapshot: AnalysisSnapshot): string {
  const settlements = snapshot.settlements;
  const coords = new Float64Array(settlements.length * 2);
  settlements.forEach((s, i) => {
    coords[2 * i] = s.lon;
    coords[2 * i + 1] = s.lat;
  });
  return createHash('sha256').update(bytesOf(coords)).digest('hex');
}

/** Serialises a table (see the file comment for the layout). */
export function encodeTable(table: AccessTable, key: string, dataVersion: number): Uint8Array {
  const rows = table.pointIndex.length;
  const columns: Header['columns'] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, type] of COLUMNS) {
    const column = table[name] as ArrayBufferView | undefined;
    if (!column) continue;
    const bytes = bytesOf(column);
    columns.push({ name, type, offset, length: bytes.byteLength / BYTES[type] });
    parts.push(bytes);
    const padded = Math.ceil(bytes.byteLength / 8) * 8;
    if (padded > bytes.byteLength) parts.push(new Uint8Array(padded - bytes.byteLength));
    offset += padded;
  }
  const body = Buffer.concat(parts);
  const header: Header = {
    format: FORMAT,
    key,
    dataVersion,
    serviceType: table.serviceType,
    thresholdMinutes: table.thresholdMinutes,
    thresholdKm: table.thresholdKm,
    model: table.model,
    rows,
    columns,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const pad = Buffer.alloc((8 - ((MAGIC.length + 4 + json.length) % 8)) % 8, 0x20);
  return Buffer.concat([Buffer.from(MAGIC), length, json, pad, body]);
}

/** The table in `file` if it is whole and was built for `key` with `rows` rows; null otherwise. */
export function decodeTable(file: Uint8Array, key: string, rows: number): AccessTable | null {
  try {
    const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
    if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return null;
    const headerLength = buf.readUInt32LE(8);
    if (12 + headerLength > buf.length) return null;
    const header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as Header;
    if (header.format !== FORMAT || header.key !== key || header.rows !== rows) return null;
    const start = Math.ceil((12 + headerLength) / 8) * 8;
    const body = buf.subarray(start);
    if (createHash('sha256').update(body).digest('hex') !== header.sha256) return null;
    const table: Record<string, unknown> = {
      serviceType: header.serviceType,
      thresholdMinutes: header.thresholdMinutes,
      thresholdKm: header.thresholdKm,
      model: header.model,
    };
    for (const c of header.columns) {
      if (c.length !== rows) return null;
      const end = c.offset + c.length * BYTES[c.type];
      if (end > body.length) return null;
      table[c.name] = view(c.type, body.subarray(c.offset, end));
    }
    for (const name of ['pointIndex', 'straightKm', 'minutes', 'travelKm', 'within', 'method'])
      if (!(name in table)) return null;
    return table as unknown as AccessTable;
  } catch {
    return null;
  }
}

/**
 * The table cache's directory: the setting (SERVICEATLAS_TABLE_CACHE; null = off) when given, else beside
 * the embedded database on disk that this process holds; none on PostgreSQL unless set.
 */
export function tableCacheDirFor(
  setting: string | null | undefined,
  embeddedDataDir: string | undefined,
): string | null {
  if (setting !== undefined) return setting;
  return embeddedDataDir ? join(embeddedDataDir, 'serviceatlas-cache', 'tables') : null;
}

/** The tables of one directory (see the file comment). Failures never reach a request: they cost a rebuild. */
export class TableCache {
  /** Types whose files were adopted or written by this process for a key (no second write). */
  private readonly stored = new Set<string>();

  constructor(readonly dir: string) {}

  private path(code: string, key: string): string {
    return join(this.dir, `${code}-${key.slice(0, 40)}.table`);
  }

  /**
   * Adopts the cached nearest tables of the snapshot's types (those not built yet) under `model`;
   * returns the codes adopted.
   */
  async adopt(snapshot: AnalysisSnapshot, model: TravelModel): Promise<string[]> {
    const keys = new TableKeys(snapshot);
    const rows = snapshot.settlementSource.length;
    const adopted: string[] = [];
    await Promise.all(
      snapshot.catalogue.map(async ({ code }) => {
        if (snapshot.hasNearestTable(code)) return;
        const key = keys.key(code, model);
        let file: Buffer;
        try {
          file = await readFile(this.path(code, key));
        } catch {
          return;
        }
        const table = decodeTable(file, key, rows);
        if (!table) return;
        snapshot.seedNearestTable(code, table);
        this.stored.add(key);
        adopted.push(code);
      }),
    );
    return adopted.sort();
  }

  /**
   * Writes the snapshot's built nearest tables that are not on disk yet, each under the travel model it
   * was built with; drops the types' older files.
   */
  async save(snapshot: AnalysisSnapshot): Promise<string[]> {
    const keys = new TableKeys(snapshot);
    const written: string[] = [];
    for (const { code } of snapshot.catalogue) {
      if (!snapshot.hasNearestTable(code)) continue;
      const table = snapshot.builtNearestTable(code);
      if (!table) continue;
      const key = keys.key(code, table.model);
      if (this.stored.has(key)) continue;
      try {
        mkdirSync(this.dir, { recursive: true });
        const path = this.path(code, key);
        const partial = `${path}.${process.pid}.partial`;
        await writeFile(partial, encodeTable(table, key, snapshot.version));
        await rename(partial, path);
        this.stored.add(key);
        written.push(code);
        this.dropOthers(code, path);
      } catch {
        // A full disk or a read-only directory: the next start builds the table again.
      }
    }
    return written;
  }

  private dropOthers(code: string, keep: string): void {
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (path !== keep && name.startsWith(`${code}-`) && name.endsWith('.table')) {
        try {
          unlinkSync(path);
        } catch {}
      }
    }
  }
}
