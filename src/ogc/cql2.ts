/**
 * The CQL2 module's entry (the parts: cql2-ast.ts the tree and limits, cql2-text.ts and cql2-json.ts the
 * two parsers, cql2-bind.ts the check against the queryables, cql2-evaluate.ts the evaluation).
 *
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
export {
  type ComparisonOp,
  type Expr,
  type GeomExpr,
  MAX_FILTER_CHARS,
  MAX_FILTER_DEPTH,
  MAX_IN_LIST,
  type ParseOptions,
  type QueryableType,
  type Scalar,
  type ScalarType,
} from './cql2-ast.js';
export { parseCql2Text } from './cql2-text.js';
export { parseCql2Json } from './cql2-json.js';
export { bindFilter } from './cql2-bind.js';
export { geometriesIntersect, matches, type Evaluable, type PropertyValue } from './cql2-evaluate.js';
