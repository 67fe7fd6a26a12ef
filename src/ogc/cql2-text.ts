import type { Geometry, Position } from 'geojson';
import {
  type ComparisonOp,
  type Expr,
  fail,
  type GeomExpr,
  MAX_FILTER_CHARS,
  MAX_FILTER_DEPTH,
  MAX_IN_LIST,
  type Scalar,
} from './cql2-ast.js';

/* The cql2-text encoding: a tokenizer and a recursive-descent parser into the tree of cql2-ast.ts. */

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

export function temporalLiteral(type: 'date' | 'timestamp', value: string): Scalar {
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

export function bboxGeometry(n: number[]): Geometry {
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
