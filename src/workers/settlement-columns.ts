import { deserialize, serialize } from 'node:v8';
import type { SettlementSource } from '../modules/access/snapshot.js';
import type { Settlement, SettlementKind } from '../modules/settlements/settlement.repository.js';

/**
 * Settlements as the analysis workers receive them: one column per field in SharedArrayBuffers, so a
 * thread taking a new snapshot of 600k settlements neither deserialises nor allocates 600k objects. A
 * thread that only needs their coordinates (the nearest tables built after every write) reads two
 * Float64Arrays; the Settlement objects are built from the columns on first use (ColumnarSettlements).
 *
 * Strings are stored as a dictionary (few distinct values: kind, source, municipality and county codes,
 * asOf) or as one UTF-8 text with the UTF-16 end offset of each value (ids, names, external ids); a
 * text that is not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry) travels as a plain
 * array instead. Nulls are flagged per row. Settlements of any other shape (a field of another type, a
 * field more) are not encoded at all: encodeSettlements answers null and they travel as before.
 */
export interface SettlementColumns {
  count: number;
  lon: NumberColumn;
  lat: NumberColumn;
  population: NumberColumn;
  population65Plus: NumberColumn;
  broadbandShare: NumberColumn;
  id: StringColumn;
  name: StringColumn;
  kind: StringColumn;
  municipalityCode: StringColumn;
  countyCode: StringColumn;
  externalId: StringColumn;
  source: StringColumn;
  /** Null rows: no asOf property. */
  asOf: StringColumn;
}

/** Float64 values; `nulls` (one byte per row, 1 = null) only when some row is null. */
export interface NumberColumn {
  values: SharedArrayBuffer;
  nulls: SharedArrayBuffer | null;
}

export type StringColumn =
  /** Each row's index (Uint16) into `values` (v8-serialised; it may hold null). */
  | { kind: 'dictionary'; values: SharedArrayBuffer; codes: SharedArrayBuffer }
  /** The non-null values joined, UTF-8; `ends` (Uint32, per row) is the UTF-16 offset where a row ends. */
  | { kind: 'text'; utf8: SharedArrayBuffer; ends: SharedArrayBuffer; nulls: SharedArrayBuffer | null }
  /** Every row's value, v8-serialised. */
  | { kind: 'list'; values: SharedArrayBuffer };

/** Distinct values beyond which a string column is stored as text (and its codes fit a Uint16). */
const MAX_DICTIONARY = 4096;

/** The own properties of a Settlement without asOf. */
const FIELD_COUNT = 12;

/** A Float64 column being filled (its null flags allocated at the first null). */
class NumberBuilder {
  readonly values: Float64Array;
  private nulls: Uint8Array | null = null;

  constructor(private readonly n: number) {
    this.values = new Float64Array(new SharedArrayBuffer(n * 8));
  }

  setNull(i: number): void {
    this.nulls ??= new Uint8Array(this.n);
    this.nulls[i] = 1;
  }

  column(): NumberColumn {
    return { values: this.values.buffer as SharedArrayBuffer, nulls: this.nulls && sharedCopy(this.nulls) };
  }
}

function sharedCopy(bytes: Uint8Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

function stringColumn(values: readonly (string | null)[]): StringColumn {
  const n = values.length;
  const dictionary = new Map<string | null, number>();
  const codes = new Uint16Array(new SharedArrayBuffer(n * 2));
  let i = 0;
  let last: string | null | undefined;
  let lastCode = 0;
  for (; i < n; i++) {
    const v = values[i]!;
    if (v === last) {
      codes[i] = lastCode;
      continue;
    }
    let code = dictionary.get(v);
    if (code === undefined) {
      if (dictionary.size >= MAX_DICTIONARY) break;
      code = dictionary.size;
      dictionary.set(v, code);
    }
    codes[i] = code;
    last = v;
    lastCode = code;
  }
  if (i === n)
    return {
      kind: 'dictionary',
      values: sharedCopy(serialize([...dictionary.keys()])),
      codes: codes.buffer as SharedArrayBuffer,
    };
  const ends = new Uint32Array(new SharedArrayBuffer(n * 4));
  let nulls: Uint8Array | null = null;
  let end = 0;
  for (let r = 0; r < n; r++) {
    const v = values[r]!;
    if (v === null) {
      nulls ??= new Uint8Array(n);
      nulls[r] = 1;
    } else end += v.length;
    ends[r] = end;
  }
  // join() writes a null as ''.
  const text = values.join('');
  // UTF-8 cannot carry a lone surrogate (it would come back as U+FFFD): such a column goes as it is.
  if (!wellFormed(text) || end > 0xffff_ffff) return { kind: 'list', values: sharedCopy(serialize(values)) };
  const utf8 = new SharedArrayBuffer(Buffer.byteLength(text, 'utf8'));
  Buffer.from(utf8).write(text, 'utf8');
  return { kind: 'text', utf8, ends: ends.buffer as SharedArrayBuffer, nulls: nulls && sharedCopy(nulls) };
}

/** String.prototype.isWellFormed (Node 20; not in the ES2023 lib's types). */
const wellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/**
 * The settlements as columns, or null when some settlement is not a plain Settlement (see above). One
 * pass reads every field by name (a keyed read per field was slower than the v8 serialisation).
 */
export function encodeSettlements(settlements: readonly Settlement[]): SettlementColumns | null {
  const n = settlements.length;
  const lon = new NumberBuilder(n);
  const lat = new NumberBuilder(n);
  const population = new NumberBuilder(n);
  const population65Plus = new NumberBuilder(n);
  const broadbandShare = new NumberBuilder(n);
  const id = new Array<string>(n);
  const name = new Array<string>(n);
  const kind = new Array<string>(n);
  const municipalityCode = new Array<string | null>(n);
  const countyCode = new Array<string | null>(n);
  const externalId = new Array<string | null>(n);
  const source = new Array<string>(n);
  const asOf = new Array<string | null>(n);
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  for (let i = 0; i < n; i++) {
    const s = settlements[i]!;
    if (typeof s !== 'object' || s === null || Object.getPrototypeOf(s) !== Object.prototype) return null;
    let keys = 0;
    for (const _key in s) keys++;
    const at = s.asOf;
    if (at !== undefined && typeof at !== 'string') return null;
    if (keys !== FIELD_COUNT + (at === undefined ? 0 : 1)) return null;
    asOf[i] = at ?? null;
    const { id: sid, name: sname, kind: skind, source: ssource } = s;
    if (!isString(sid) || !isString(sname) || !isString(skind) || !isString(ssource)) return null;
    id[i] = sid;
    name[i] = sname;
    kind[i] = skind;
    source[i] = ssource;
    const { municipalityCode: m, countyCode: c, externalId: e } = s;
    if (!isNullableString(m) || !isNullableString(c) || !isNullableString(e)) return null;
    municipalityCode[i] = m;
    countyCode[i] = c;
    externalId[i] = e;
    const { lon: x, lat: y, population: p, population65Plus: p65, broadbandShare: b } = s;
    if (!isNumber(x) || !isNumber(y) || !isNumber(p)) return null;
    lon.values[i] = x;
    lat.values[i] = y;
    population.values[i] = p;
    if (p65 === null) population65Plus.setNull(i);
    else if (isNumber(p65)) population65Plus.values[i] = p65;
    else return null;
    if (b === null) broadbandShare.setNull(i);
    else if (isNumber(b)) broadbandShare.values[i] = b;
    else return null;
  }
  return {
    count: n,
    lon: lon.column(),
    lat: lat.column(),
    population: population.column(),
    population65Plus: population65Plus.column(),
    broadbandShare: broadbandShare.column(),
    id: stringColumn(id),
    name: stringColumn(name),
    kind: stringColumn(kind),
    municipalityCode: stringColumn(municipalityCode),
    countyCode: stringColumn(countyCode),
    externalId: stringColumn(externalId),
    source: stringColumn(source),
    asOf: stringColumn(asOf),
  };
}

function decodeNumbers(column: NumberColumn): (number | null)[] {
  const values = new Float64Array(column.values);
  const out: (number | null)[] = Array.from(values);
  if (column.nulls) {
    const nulls = new Uint8Array(column.nulls);
    for (let i = 0; i < nulls.length; i++) if (nulls[i] === 1) out[i] = null;
  }
  return out;
}

function decodeStrings(column: StringColumn, n: number): (string | null)[] {
  if (column.kind === 'list') return deserialize(new Uint8Array(column.values)) as (string | null)[];
  const out = new Array<string | null>(n);
  if (column.kind === 'dictionary') {
    const values = deserialize(new Uint8Array(column.values)) as (string | null)[];
    const codes = new Uint16Array(column.codes);
    for (let i = 0; i < n; i++) out[i] = values[codes[i]!]!;
    return out;
  }
  const text = Buffer.from(column.utf8).toString('utf8');
  const ends = new Uint32Array(column.ends);
  const nulls = column.nulls ? new Uint8Array(column.nulls) : null;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i]!;
    out[i] = nulls !== null && nulls[i] === 1 ? null : text.slice(start, end);
    start = end;
  }
  return out;
}

/**
 * The worker's settlements over the columns: their coordinates at once (objects with lon and lat, for
 * the travel providers), the Settlement objects built on first call to settlements() (every other job).
 */
export class ColumnarSettlements implements SettlementSource {
  readonly length: number;
  private objects: Settlement[] | null = null;
  private points: { lon: number; lat: number }[] | null = null;

  constructor(private readonly columns: SettlementColumns) {
    this.length = columns.count;
  }

  coordinates(): readonly { lon: number; lat: number }[] {
    if (this.objects) return this.objects;
    if (!this.points) {
      const lon = new Float64Array(this.columns.lon.values);
      const lat = new Float64Array(this.columns.lat.values);
      const points = new Array<{ lon: number; lat: number }>(this.length);
      for (let i = 0; i < points.length; i++) points[i] = { lon: lon[i]!, lat: lat[i]! };
      this.points = points;
    }
    return this.points;
  }

  settlements(): readonly Settlement[] {
    this.objects ??= this.build();
    return this.objects;
  }

  private build(): Settlement[] {
    const c = this.columns;
    const n = c.count;
    const id = decodeStrings(c.id, n);
    const name = decodeStrings(c.name, n);
    const kind = decodeStrings(c.kind, n);
    const municipalityCode = decodeStrings(c.municipalityCode, n);
    const countyCode = decodeStrings(c.countyCode, n);
    const externalId = decodeStrings(c.externalId, n);
    const source = decodeStrings(c.source, n);
    const asOf = decodeStrings(c.asOf, n);
    const lon = new Float64Array(c.lon.values);
    const lat = new Float64Array(c.lat.values);
    const population = new Float64Array(c.population.values);
    const population65Plus = decodeNumbers(c.population65Plus);
    const broadbandShare = decodeNumbers(c.broadbandShare);
    const out = new Array<Settlement>(n);
    for (let i = 0; i < n; i++) {
      // The fields in the order the repository builds them (toSettlement), asOf last when set.
      const s: Settlement = {
        id: id[i]!,
        name: name[i]!,
        kind: kind[i] as SettlementKind,
        population: population[i]!,
        population65Plus: population65Plus[i] ?? null,
        municipalityCode: municipalityCode[i] ?? null,
        countyCode: countyCode[i] ?? null,
        broadbandShare: broadbandShare[i] ?? null,
        externalId: externalId[i] ?? null,
        source: source[i]!,
        lon: lon[i]!,
        lat: lat[i]!,
      };
      const at = asOf[i];
      if (at != null) s.asOf = at;
      out[i] = s;
    }
    return out;
  }
}
