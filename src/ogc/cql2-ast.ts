import type { Geometry } from 'geojson';
import type { CrsDef } from './crs.js';
import { invalidParameter, type OgcError } from './errors.js';

/* The tree both CQL2 encodings parse into, the limits on a filter, and the error every part throws. */

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

/** The error of a filter that cannot be read (OGC `InvalidParameterValue` on `filter`). */
export const fail = (message: string): OgcError =>
  invalidParameter('filter', `malformed CQL2 filter: ${message}`);
