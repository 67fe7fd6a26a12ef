import { booleanIntersects } from '@turf/turf';
import type { Geometry, Position } from 'geojson';
import { type CrsDef, mapPositions, toCrs84 } from './crs.js';
import { invalidParameter, type OgcError } from './errors.js';

/**
 * CQL2 (OGC 21-065) for the `filter` parameter, in both encodings — cql2-text and cql2-json — parsed
 * into one tree, checked against a collection's queryables, and evaluated on the features in memory
 * (never turned into SQL). No maintained TypeScript CQL2 parser exists on npm (geostyler-cql-parser reads
 * GeoServer's ECQL and has no JSON encoding), so this is a small recursive-descent parser for the subset
 * we declare: Basic CQL2 (comparison, AND/OR/NOT, IS [NOT] NULL, boolean, string, number, DATE and
 * TIMESTAMP literals), Advanced Comparison Operators ([NOT] LIKE, [NOT] BETWEEN, [NOT] IN),
 * property-to-property comparisons, and S_INTERSECTS with POINT, LINESTRING, POLYGON, the MULTI* forms,
 * GEOMETRYCOLLECTION and BBOX (Basic Spatial Functions and Basic Spatial Functions with additional
 * Spatial Literals). Logic is three-valued: a comparison with a null property is unknown, and only
 * features for which the filter is TRUE are returned.
 */

export type ScalarType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'timestamp';
export type QueryableType = ScalarType | 'geometry';

export type Scalar =
  | { kind: 'property'; name: string }
  | {
      kind: 'literal';
      type: 'string' | 'number' | 'boolean' | 'date' | 'timestamp';
      value: string | number | boolean;
    };

export type GeomExpr = { kind: 'property'; name: string } | { kind: 'geometry'; geometry: Geometry };

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'and' | 'or'; args: Expr[] }
  | { kind: 'not'; arg: Expr }
  | { kind: 'bool'; value: boolean }
  | { kind: 'cmp'; op: ComparisonOp; left: Scalar; right: Scalar }
  | { kind: 'like'; value: Scalar; pattern: Scalar }
  | { kind: 'between'; value: Scalar; low: Scalar; high: Scalar }
  | { kind: 'in'; value: Scalar; list: Scalar[] }
  | { kind: 'isNull'; value: Scalar }
  | { kind: 'sIntersects'; left: GeomExpr; right: GeomExpr };

/** Limits on what a client may send (the filter is evaluated per feature). */
export const MAX_FILTER_CHARS = 20_000;
export const MAX_FILTER_DEPTH = 40;
export const MAX_IN_LIST = 1_000;

export interface ParseOptions {
  /** The CRS of geometry literals (`filter-crs`); default CRS84. */
  crs?: CrsDef;
  /** The most vertices all geometry literals may have together. */
  maxVertices?: number;
}

const fail = (message: string): OgcError => invalidParameter('filter', `malformed CQL2 filter: ${message}`);

// ---------------------------------------------------------------------------------------------------
// cql2-text

type Token =
  | { t: 'ident'; v: string; quoted: boolean; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'end'; pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) throw fail(`unterminated string starting at character ${pos + 1}`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i];
        i++;
      }
      tokens.push({ t: 'string', v, pos });
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw fail(`unterminated quoted identifier at character ${pos + 1}`);
      tokens.push({ t: 'ident', v: text.slice(i + 1, end), quoted: true, pos });
      i = end + 1;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (num) {
      tokens.push({ t: 'number', v: Number(num[0]), pos });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.:]*/.exec(text.slice(i, i + 256));
    if (ident) {
      tokens.push({ t: 'ident', v: ident[0], quoted: false, pos });
      i += ident[0].length;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ t: 'op', v: two, pos });
      i += 2;
      continue;
    }
    if ('=<>(),-+'.includes(c)) {
      tokens.push({ t: 'op', v: c, pos });
      i++;
      continue;
    }
    if (two === '!=') throw fail(`'!=' at character ${pos + 1} is not CQL2; use '<>'`);
    throw fail(`unexpected character '${c}' at character ${pos + 1}`);
  }
  tokens.push({ t: 'end', pos: text.length });
  return tokens;
}

const GEOMETRY_KEYWORDS = new Set([
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
  'BBOX',
]);
const RESERVED = new Set(['AND', 'OR', 'NOT', 'LIKE', 'BETWEEN', 'IN', 'IS', 'NULL', 'TRUE', 'FALSE']);

class TextParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isKeyword(word: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset];
    return t !== undefined && t.t === 'ident' && !t.quoted && t.v.toUpperCase() === word;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === op;
  }
  private describe(t: Token): string {
    if (t.t === 'end') return 'the end of the filter';
    const shown = t.t === 'string' ? `'${t.v}'` : String(t.v);
    return `'${shown.slice(0, 40)}' at character ${t.pos + 1}`;
  }
  private expectOp(op: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== op) throw fail(`expected '${op}' but found ${this.describe(t)}`);
  }
  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) throw fail(`expected ${word} but found ${this.describe(this.peek())}`);
    this.i++;
  }

  parse(): Expr {
    const e = this.orExpr();
    const t = this.peek();
    if (t.t !== 'end') throw fail(`unexpected ${this.describe(t)}`);
    return e;
  }

  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) throw fail(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private orExpr(): Expr {
    return this.nest(() => {
      const args = [this.andExpr()];
      while (this.isKeyword('OR')) {
        this.i++;
        args.push(this.andExpr());
      }
      return args.length === 1 ? args[0]! : { kind: 'or', args };
    });
  }

  private andExpr(): Expr {
    const args = [this.notExpr()];
    while (this.isKeyword('AND')) {
      this.i++;
      args.push(this.notExpr());
    }
    return args.length === 1 ? args[0]! : { kind: 'and', args };
  }

  private notExpr(): Expr {
    if (this.isKeyword('NOT')) {
      this.i++;
      return this.nest(() => ({ kind: 'not', arg: this.notExpr() }));
    }
    return this.primary();
  }

  private primary(): Expr {
    if (this.isOp('(')) {
      this.i++;
      const e = this.orExpr();
      this.expectOp(')');
      return e;
    }
    if (this.isKeyword('S_INTERSECTS')) {
      this.i++;
      this.expectOp('(');
      const left = this.geomExpr();
      this.expectOp(',');
      const right = this.geomExpr();
      this.expectOp(')');
      return { kind: 'sIntersects', left, right };
    }
    const t = this.peek();
    if (t.t === 'ident' && !t.quoted && /^S_[A-Z]+$/i.test(t.v) && this.tokens[this.i + 1]?.t === 'op') {
      throw fail(`spatial function ${t.v.toUpperCase()} is not supported; use S_INTERSECTS`);
    }
    if ((this.isKeyword('TRUE') || this.isKeyword('FALSE')) && this.endsPredicate(1)) {
      return {
        kind: 'bool',
        value: this.next().t === 'ident' && (t as { v: string }).v.toUpperCase() === 'TRUE',
      };
    }
    return this.predicate();
  }

  /** True when the token at `offset` ends a boolean term (a bare TRUE/FALSE is then a predicate). */
  private endsPredicate(offset: number): boolean {
    const t = this.tokens[this.i + offset];
    if (!t || t.t === 'end') return true;
    if (t.t === 'op' && t.v === ')') return true;
    return t.t === 'ident' && !t.quoted && ['AND', 'OR'].includes(t.v.toUpperCase());
  }

  private predicate(): Expr {
    const value = this.scalar();
    const negated = this.isKeyword('NOT');
    if (negated) this.i++;
    let e: Expr;
    if (this.isKeyword('LIKE')) {
      this.i++;
      e = { kind: 'like', value, pattern: this.scalar() };
    } else if (this.isKeyword('BETWEEN')) {
      this.i++;
      const low = this.scalar();
      this.expectKeyword('AND');
      e = { kind: 'between', value, low, high: this.scalar() };
    } else if (this.isKeyword('IN')) {
      this.i++;
      this.expectOp('(');
      const list = [this.scalar()];
      while (this.isOp(',')) {
        this.i++;
        list.push(this.scalar());
        if (list.length > MAX_IN_LIST) throw fail(`IN lists at most ${MAX_IN_LIST} values`);
      }
      this.expectOp(')');
      e = { kind: 'in', value, list };
    } else if (negated) {
      throw fail(`expected LIKE, BETWEEN or IN after NOT, found ${this.describe(this.peek())}`);
    } else if (this.isKeyword('IS')) {
      this.i++;
      const not = this.isKeyword('NOT');
      if (not) this.i++;
      this.expectKeyword('NULL');
      const isNull: Expr = { kind: 'isNull', value };
      return not ? { kind: 'not', arg: isNull } : isNull;
    } else {
      const t = this.next();
      if (t.t !== 'op' || !['=', '<>', '<', '<=', '>', '>='].includes(t.v)) {
        throw fail(
          `expected a comparison operator (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL) but found ${this.describe(t)}`,
        );
      }
      e = { kind: 'cmp', op: t.v as ComparisonOp, left: value, right: this.scalar() };
    }
    return negated ? { kind: 'not', arg: e } : e;
  }

  private scalar(): Scalar {
    const t = this.next();
    if (t.t === 'string') return { kind: 'literal', type: 'string', value: t.v };
    if (t.t === 'number') return { kind: 'literal', type: 'number', value: t.v };
    if (t.t === 'op' && (t.v === '-' || t.v === '+')) {
      const n = this.next();
      if (n.t !== 'number') throw fail(`expected a number after '${t.v}' but found ${this.describe(n)}`);
      return { kind: 'literal', type: 'number', value: t.v === '-' ? -n.v : n.v };
    }
    if (t.t === 'ident') {
      if (t.quoted) return { kind: 'property', name: t.v };
      const word = t.v.toUpperCase();
      if (word === 'TRUE' || word === 'FALSE')
        return { kind: 'literal', type: 'boolean', value: word === 'TRUE' };
      if (word === 'DATE' || word === 'TIMESTAMP') {
        this.expectOp('(');
        const s = this.next();
        if (s.t !== 'string') throw fail(`${word}( needs a quoted value, found ${this.describe(s)}`);
        this.expectOp(')');
        return temporalLiteral(word === 'DATE' ? 'date' : 'timestamp', s.v);
      }
      if (RESERVED.has(word))
        throw fail(`expected a value but found the keyword ${word} at character ${t.pos + 1}`);
      if (this.isOp('(')) throw fail(`function ${t.v}() is not supported`);
      return { kind: 'property', name: t.v };
    }
    throw fail(`expected a property or a value but found ${this.describe(t)}`);
  }

  private geomExpr(): GeomExpr {
    const t = this.peek();
    if (t.t === 'ident' && !t.quoted && GEOMETRY_KEYWORDS.has(t.v.toUpperCase())) {
      return { kind: 'geometry', geometry: this.wkt() };
    }
    if (t.t === 'ident') {
      this.i++;
      return { kind: 'property', name: t.v };
    }
    throw fail(`S_INTERSECTS needs a geometry property or a geometry literal, found ${this.describe(t)}`);
  }

  private wkt(): Geometry {
    const word = (this.next() as { v: string }).v.toUpperCase();
    if (this.isKeyword('Z') || this.isKeyword('M') || this.isKeyword('ZM')) {
      throw fail(`${word} with Z or M coordinates is not supported: give 2D coordinates`);
    }
    if (this.isKeyword('EMPTY')) throw fail(`${word} EMPTY intersects nothing; give coordinates`);
    switch (word) {
      case 'BBOX': {
        this.expectOp('(');
        const n = [this.signedNumber()];
        while (this.isOp(',')) {
          this.i++;
          n.push(this.signedNumber());
        }
        this.expectOp(')');
        return bboxGeometry(n);
      }
      case 'POINT':
        return { type: 'Point', coordinates: this.parenthesised(() => this.position()) };
      case 'LINESTRING':
        return { type: 'LineString', coordinates: this.positions() };
      case 'POLYGON':
        return { type: 'Polygon', coordinates: this.list(() => this.positions()) };
      case 'MULTIPOINT':
        return {
          type: 'MultiPoint',
          coordinates: this.list(() =>
            this.isOp('(') ? this.parenthesised(() => this.position()) : this.position(),
          ),
        };
      case 'MULTILINESTRING':
        return { type: 'MultiLineString', coordinates: this.list(() => this.positions()) };
      case 'MULTIPOLYGON':
        return { type: 'MultiPolygon', coordinates: this.list(() => this.list(() => this.positions())) };
      default:
        return this.nest(() => ({
          type: 'GeometryCollection',
          geometries: this.list(() => this.wktMember()),
        }));
    }
  }

  private wktMember(): Geometry {
    const t = this.peek();
    if (t.t !== 'ident' || !GEOMETRY_KEYWORDS.has(t.v.toUpperCase()) || t.v.toUpperCase() === 'BBOX') {
      throw fail(`expected a WKT geometry but found ${this.describe(t)}`);
    }
    return this.wkt();
  }

  private parenthesised<T>(f: () => T): T {
    this.expectOp('(');
    const v = f();
    this.expectOp(')');
    return v;
  }
  private list<T>(item: () => T): T[] {
    return this.parenthesised(() => {
      const out = [item()];
      while (this.isOp(',')) {
        this.i++;
        out.push(item());
      }
      return out;
    });
  }
  private positions(): Position[] {
    return this.list(() => this.position());
  }
  private position(): Position {
    const x = this.signedNumber();
    const y = this.signedNumber();
    if (this.peek().t === 'number' || this.isOp('-'))
      throw fail('3D coordinates are not supported: give x y pairs');
    return [x, y];
  }
  private signedNumber(): number {
    let sign = 1;
    if (this.isOp('-') || this.isOp('+')) sign = (this.next() as { v: string }).v === '-' ? -1 : 1;
    const t = this.next();
    if (t.t !== 'number') throw fail(`expected a coordinate but found ${this.describe(t)}`);
    return sign * t.v;
  }
}

function temporalLiteral(type: 'date' | 'timestamp', value: string): Scalar {
  const ok =
    type === 'date'
      ? /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))
      : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
        !Number.isNaN(Date.parse(value));
  if (!ok) {
    throw fail(
      type === 'date'
        ? `DATE('${value.slice(0, 40)}') is not a date (YYYY-MM-DD)`
        : `TIMESTAMP('${value.slice(0, 40)}') is not an RFC 3339 instant with an offset`,
    );
  }
  return { kind: 'literal', type, value: type === 'timestamp' ? new Date(value).toISOString() : value };
}

function bboxGeometry(n: number[]): Geometry {
  if (n.length !== 4 && n.length !== 6) throw fail(`BBOX needs 4 (or 6) numbers, got ${n.length}`);
  const [minX, minY, maxX, maxY] = n.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!];
  return {
    type: 'Polygon',
    coordinates: [
      [
        [minX!, minY!],
        [maxX!, minY!],
        [maxX!, maxY!],
        [minX!, maxY!],
        [minX!, minY!],
      ],
    ],
  };
}

/** Parses a cql2-text filter. */
export function parseCql2Text(text: string): Expr {
  if (text.length > MAX_FILTER_CHARS) throw fail(`longer than ${MAX_FILTER_CHARS} characters`);
  if (text.trim() === '') throw fail('empty');
  if (text.trim().startsWith('{')) throw fail('this looks like cql2-json: add filter-lang=cql2-json');
  return new TextParser(tokenize(text)).parse();
}

// ---------------------------------------------------------------------------------------------------
// cql2-json

const JSON_CMP: Record<string, ComparisonOp> = {
  '=': '=',
  '<>': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

function jsonScalar(v: unknown): Scalar {
  if (typeof v === 'string') return { kind: 'literal', type: 'string', value: v };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw fail('numbers must be finite');
    return { kind: 'literal', type: 'number', value: v };
  }
  if (typeof v === 'boolean') return { kind: 'literal', type: 'boolean', value: v };
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.property === 'string') return { kind: 'property', name: o.property };
    if (typeof o.date === 'string') return temporalLiteral('date', o.date);
    if (typeof o.timestamp === 'string') return temporalLiteral('timestamp', o.timestamp);
    if (typeof o.op === 'string') throw fail(`'${o.op}' is not allowed where a value is expected`);
  }
  throw fail(`expected a value or {"property": …}, got ${JSON.stringify(v)?.slice(0, 60)}`);
}

function jsonGeom(v: unknown): GeomExpr {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.property === 'string') return { kind: 'property', name: o.property };
    if (Array.isArray(o.bbox)) {
      if (!o.bbox.every((n) => typeof n === 'number')) throw fail('bbox must be an array of numbers');
      return { kind: 'geometry', geometry: bboxGeometry(o.bbox as number[]) };
    }
    if (typeof o.type === 'string') return { kind: 'geometry', geometry: jsonGeometry(o, 0) };
  }
  throw fail(
    `S_INTERSECTS needs {"property": …}, a GeoJSON geometry or {"bbox": […]}, got ${JSON.stringify(v)?.slice(0, 60)}`,
  );
}

function jsonGeometry(o: Record<string, unknown>, depth: number): Geometry {
  if (depth > 4) throw fail('geometry collections nested too deep');
  const type = o.type;
  if (type === 'GeometryCollection') {
    if (!Array.isArray(o.geometries)) throw fail('a GeometryCollection needs "geometries"');
    return {
      type,
      geometries: o.geometries.map((g) => {
        if (g === null || typeof g !== 'object') throw fail('geometries must be GeoJSON geometries');
        return jsonGeometry(g as Record<string, unknown>, depth + 1);
      }),
    };
  }
  const levels: Record<string, number> = {
    Point: 0,
    MultiPoint: 1,
    LineString: 1,
    MultiLineString: 2,
    Polygon: 2,
    MultiPolygon: 3,
  };
  const level = typeof type === 'string' ? levels[type] : undefined;
  if (level === undefined) throw fail(`'${String(type).slice(0, 40)}' is not a GeoJSON geometry type`);
  const check = (c: unknown, l: number): void => {
    if (!Array.isArray(c)) throw fail(`${String(type)} coordinates are malformed`);
    if (l === 0) {
      if (c.length !== 2 || !c.every((n) => typeof n === 'number' && Number.isFinite(n))) {
        throw fail(`a position must be two finite numbers, got ${JSON.stringify(c).slice(0, 40)}`);
      }
      return;
    }
    if (c.length === 0) throw fail(`${String(type)} has an empty coordinate list`);
    for (const x of c) check(x, l - 1);
  };
  check(o.coordinates, level);
  return { type, coordinates: o.coordinates } as Geometry;
}

function jsonExpr(v: unknown, depth: number): Expr {
  if (depth > MAX_FILTER_DEPTH) throw fail(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw fail(`expected an object {"op": …, "args": […]}, got ${JSON.stringify(v)?.slice(0, 60)}`);
  }
  const o = v as Record<string, unknown>;
  if (typeof o.op !== 'string') throw fail('every expression needs "op"');
  if (!Array.isArray(o.args)) throw fail(`"${o.op}" needs "args" (an array)`);
  const op = o.op.toLowerCase();
  const args = o.args;
  const arity = (n: number) => {
    if (args.length !== n) throw fail(`"${o.op}" takes ${n} arguments, got ${args.length}`);
  };
  switch (op) {
    case 'and':
    case 'or':
      if (args.length < 2) throw fail(`"${op}" takes at least 2 arguments`);
      return { kind: op, args: args.map((a) => jsonExpr(a, depth + 1)) };
    case 'not':
      arity(1);
      return { kind: 'not', arg: jsonExpr(args[0], depth + 1) };
    case 'like':
      arity(2);
      return { kind: 'like', value: jsonScalar(args[0]), pattern: jsonScalar(args[1]) };
    case 'between':
      arity(3);
      return {
        kind: 'between',
        value: jsonScalar(args[0]),
        low: jsonScalar(args[1]),
        high: jsonScalar(args[2]),
      };
    case 'in': {
      arity(2);
      if (!Array.isArray(args[1])) throw fail('"in" takes a value and an array of values');
      if (args[1].length === 0 || args[1].length > MAX_IN_LIST)
        throw fail(`"in" lists 1 to ${MAX_IN_LIST} values`);
      return { kind: 'in', value: jsonScalar(args[0]), list: args[1].map(jsonScalar) };
    }
    case 'isnull':
      arity(1);
      return { kind: 'isNull', value: jsonScalar(args[0]) };
    case 's_intersects':
      arity(2);
      return { kind: 'sIntersects', left: jsonGeom(args[0]), right: jsonGeom(args[1]) };
    default: {
      const cmp = JSON_CMP[o.op];
      if (cmp) {
        arity(2);
        return { kind: 'cmp', op: cmp, left: jsonScalar(args[0]), right: jsonScalar(args[1]) };
      }
      throw fail(`operator "${o.op.slice(0, 40)}" is not supported`);
    }
  }
}

/** Parses a cql2-json filter (the JSON text). */
export function parseCql2Json(text: string): Expr {
  if (text.length > MAX_FILTER_CHARS) throw fail(`longer than ${MAX_FILTER_CHARS} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail(`not JSON (${(error as Error).message.slice(0, 100)})`);
  }
  return jsonExpr(value, 0);
}

// ---------------------------------------------------------------------------------------------------
// Checking against the queryables

/**
 * Checks a parsed filter against the collection's queryables: unknown properties, values of the wrong
 * type for a property, geometry literals (moved into CRS84 from `filter-crs`, their vertices counted
 * and their rings checked). Returns the filter with its geometry literals in CRS84.
 */
export function bindFilter(
  expr: Expr,
  queryables: Readonly<Record<string, QueryableType>>,
  options: ParseOptions = {},
): Expr {
  let vertices = 0;
  const maxVertices = options.maxVertices ?? 10_000;
  const known = Object.keys(queryables);
  const propType = (name: string): QueryableType => {
    const t = queryables[name];
    if (t === undefined) {
      throw invalidParameter(
        'filter',
        `unknown property '${name.slice(0, 80)}' in the filter; queryables: ${known.join(', ')}`,
      );
    }
    return t;
  };
  const typeOf = (s: Scalar): QueryableType =>
    s.kind === 'property' ? propType(s.name) : s.type === 'number' ? 'number' : s.type;
  const family = (t: QueryableType): string => (t === 'integer' ? 'number' : t === 'timestamp' ? 'date' : t);
  const comparable = (a: Scalar, b: Scalar, what: string): void => {
    const ta = typeOf(a);
    const tb = typeOf(b);
    if (ta === 'geometry' || tb === 'geometry')
      throw invalidParameter('filter', `${what}: use S_INTERSECTS for the geometry`);
    if (family(ta) !== family(tb)) {
      const name =
        a.kind === 'property'
          ? `property '${a.name}'`
          : b.kind === 'property'
            ? `property '${b.name}'`
            : 'a value';
      throw invalidParameter(
        'filter',
        `${what}: ${name} is ${ta === 'integer' ? 'number' : ta} but is compared with a ${tb === 'integer' ? 'number' : tb}`,
      );
    }
  };
  const geometry = (g: GeomExpr): GeomExpr => {
    if (g.kind === 'property') {
      if (propType(g.name) !== 'geometry')
        throw invalidParameter('filter', `S_INTERSECTS: '${g.name}' is not a geometry property`);
      return g;
    }
    return {
      kind: 'geometry',
      geometry: literalToCrs84(g.geometry, options.crs, (n) => {
        vertices += n;
        if (vertices > maxVertices) throw fail(`geometry literals have more than ${maxVertices} vertices`);
      }),
    };
  };
  const walk = (e: Expr): Expr => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { kind: e.kind, args: e.args.map(walk) };
      case 'not':
        return { kind: 'not', arg: walk(e.arg) };
      case 'bool':
        return e;
      case 'cmp':
        comparable(e.left, e.right, `'${e.op}'`);
        if (e.op !== '=' && e.op !== '<>' && typeOf(e.left) === 'boolean') {
          throw invalidParameter('filter', `'${e.op}' does not order booleans; use = or <>`);
        }
        return e;
      case 'like':
        if (typeOf(e.value) !== 'string' || typeOf(e.pattern) !== 'string')
          throw invalidParameter('filter', 'LIKE compares strings');
        return e;
      case 'between':
        comparable(e.value, e.low, 'BETWEEN');
        comparable(e.value, e.high, 'BETWEEN');
        if (family(typeOf(e.value)) !== 'number' && family(typeOf(e.value)) !== 'date')
          throw invalidParameter('filter', 'BETWEEN compares numbers or dates');
        return e;
      case 'in':
        for (const item of e.list) comparable(e.value, item, 'IN');
        return e;
      case 'isNull':
        typeOf(e.value);
        return e;
      case 'sIntersects': {
        const left = geometry(e.left);
        const right = geometry(e.right);
        if (left.kind === 'geometry' && right.kind === 'geometry') {
          return { kind: 'bool', value: intersects(left.geometry, right.geometry) };
        }
        return { kind: 'sIntersects', left, right };
      }
    }
  };
  return walk(expr);
}

function literalToCrs84(geometry: Geometry, crs: CrsDef | undefined, count: (n: number) => void): Geometry {
  const positions: number[] = [0];
  const moved = mapPositions(geometry, (p) => {
    positions[0]!++;
    const out = crs ? toCrs84(crs, p[0]!, p[1]!) : [p[0]!, p[1]!];
    if (!out || !Number.isFinite(out[0]) || !Number.isFinite(out[1]))
      throw fail('a coordinate does not transform');
    if (Math.abs(out[0]!) > 180 || Math.abs(out[1]!) > 90) {
      throw fail(
        `coordinate (${p[0]} ${p[1]}) is outside longitude -180..180, latitude -90..90${crs?.northFirst ? ` (${crs.uri} is in latitude/northing-first order)` : ''}`,
      );
    }
    return out;
  });
  count(positions[0]!);
  checkRings(moved);
  return moved;
}

function checkRings(g: Geometry): void {
  const rings = (coords: Position[][]) => {
    for (const ring of coords) {
      const a = ring[0]!;
      const b = ring[ring.length - 1]!;
      if (ring.length < 4) throw fail('a polygon ring needs at least 4 positions');
      if (a[0] !== b[0] || a[1] !== b[1]) throw fail('a polygon ring must be closed (last position = first)');
    }
  };
  if (g.type === 'Polygon') rings(g.coordinates);
  else if (g.type === 'MultiPolygon') for (const p of g.coordinates) rings(p);
  else if (g.type === 'LineString' && g.coordinates.length < 2)
    throw fail('a LINESTRING needs at least 2 positions');
  else if (g.type === 'GeometryCollection') for (const m of g.geometries) checkRings(m);
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

export type PropertyValue = string | number | boolean | null;

export interface Evaluable {
  properties: Readonly<Record<string, PropertyValue>>;
  /** CRS84. */
  geometry: Geometry;
}

type Tri = boolean | null;

function value(s: Scalar, f: Evaluable): PropertyValue {
  if (s.kind === 'literal') return s.value;
  return f.properties[s.name] ?? null;
}

function compare(a: PropertyValue, b: PropertyValue): number | null {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const likeCache = new Map<string, RegExp>();
function likeRegExp(pattern: string): RegExp {
  let re = likeCache.get(pattern);
  if (!re) {
    let out = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && i + 1 < pattern.length) out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (c === '%') out += '[\\s\\S]*';
      else if (c === '_') out += '[\\s\\S]';
      else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${out}$`, 'u');
    if (likeCache.size > 100) likeCache.clear();
    likeCache.set(pattern, re);
  }
  return re;
}

function intersects(a: Geometry, b: Geometry): boolean {
  return booleanIntersects(a as never, b as never);
}

function evaluate(e: Expr, f: Evaluable): Tri {
  switch (e.kind) {
    case 'bool':
      return e.value;
    case 'and': {
      let unknown = false;
      for (const a of e.args) {
        const r = evaluate(a, f);
        if (r === false) return false;
        if (r === null) unknown = true;
      }
      return unknown ? null : true;
    }
    case 'or': {
      let unknown = false;
      for (const a of e.args) {
        const r = evaluate(a, f);
        if (r === true) return true;
        if (r === null) unknown = true;
      }
      return unknown ? null : false;
    }
    case 'not': {
      const r = evaluate(e.arg, f);
      return r === null ? null : !r;
    }
    case 'cmp': {
      const c = compare(value(e.left, f), value(e.right, f));
      if (c === null) return null;
      switch (e.op) {
        case '=':
          return c === 0;
        case '<>':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '>=':
          return c >= 0;
      }
      return null;
    }
    case 'like': {
      const v = value(e.value, f);
      const p = value(e.pattern, f);
      if (v === null || p === null) return null;
      return likeRegExp(String(p)).test(String(v));
    }
    case 'between': {
      const lo = compare(value(e.value, f), value(e.low, f));
      const hi = compare(value(e.value, f), value(e.high, f));
      if (lo === null || hi === null) return null;
      return lo >= 0 && hi <= 0;
    }
    case 'in': {
      const v = value(e.value, f);
      if (v === null) return null;
      let unknown = false;
      for (const item of e.list) {
        const c = compare(v, value(item, f));
        if (c === 0) return true;
        if (c === null) unknown = true;
      }
      return unknown ? null : false;
    }
    case 'isNull':
      return value(e.value, f) === null;
    case 'sIntersects': {
      const g = (x: GeomExpr) => (x.kind === 'geometry' ? x.geometry : f.geometry);
      return intersects(g(e.left), g(e.right));
    }
  }
}

/** True when the (bound) filter is TRUE for the feature (unknown and FALSE both exclude it). */
export function matches(e: Expr, f: Evaluable): boolean {
  return evaluate(e, f) === true;
}

/** Whether a geometry (CRS84) intersects another; exported for bbox tests. */
export { intersects as geometriesIntersect };
