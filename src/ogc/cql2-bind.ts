import type { Geometry, Position } from 'geojson';
import { type CrsDef, mapPositions, toCrs84 } from './crs.js';
import { invalidParameter } from './errors.js';
import { geometriesIntersect as intersects } from './cql2-evaluate.js';
import {
  type Expr,
  fail,
  type GeomExpr,
  type Scalar,
  type ParseOptions,
  type QueryableType,
} from './cql2-ast.js';

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
