import type { Geometry } from 'geojson';
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
import { bboxGeometry, temporalLiteral } from './cql2-text.js';

/* The cql2-json encoding: a parser of the JSON tree into the tree of cql2-ast.ts. */

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
