import { booleanIntersects } from '@turf/turf';
import type { Geometry } from 'geojson';
import type { Expr, GeomExpr, Scalar } from './cql2-ast.js';

/* Evaluation of a bound filter on one feature in memory, in CQL2's three-valued logic. */

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
