import { Kind } from 'graphql';
import type { ValueNode } from 'graphql';
import { isCalendarDate } from '../calendar-date.js';
import { badInput } from '../errors.js';
import type { GeoJsonPoint } from './builder.js';
import { builder } from './builder.js';

function literalToValue(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToValue);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToValue(f.value)]));
    default:
      throw badInput('Variables are not allowed inside a JSON literal; pass the whole value as a variable');
  }
}

function parsePoint(value: unknown): GeoJsonPoint {
  const v = value as { type?: unknown; coordinates?: unknown };
  const c = v?.coordinates;
  if (
    v?.type !== 'Point' ||
    !Array.isArray(c) ||
    c.length !== 2 ||
    !c.every((n) => typeof n === 'number' && Number.isFinite(n)) ||
    Math.abs(c[0] as number) > 180 ||
    Math.abs(c[1] as number) > 90
  ) {
    throw badInput('A Point must be a GeoJSON Point { "type": "Point", "coordinates": [lon, lat] } in WGS84');
  }
  return { type: 'Point', coordinates: [c[0] as number, c[1] as number] };
}

builder.scalarType('Point', {
  description: 'A GeoJSON Point in WGS84 (EPSG:4326): `{ "type": "Point", "coordinates": [lon, lat] }`.',
  serialize: (p) => p,
  parseValue: parsePoint,
  parseLiteral: (ast) => parsePoint(literalToValue(ast)),
});

builder.scalarType('JSON', {
  description: 'Any JSON value: GeoJSON geometries and FeatureCollections.',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast) => literalToValue(ast),
});

export function toGeoJsonPoint(lon: number, lat: number): GeoJsonPoint {
  return { type: 'Point', coordinates: [lon, lat] };
}

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !isCalendarDate(value))
    throw badInput(`A Date is an ISO calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

builder.scalarType('Date', {
  description: 'A calendar date, ISO 8601 `YYYY-MM-DD` (e.g. "2026-11-30").',
  serialize: (v) => v,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(literalToValue(ast)),
});

function parseDateTime(value: unknown): string {
  const ok =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) &&
    !Number.isNaN(Date.parse(value));
  if (!ok)
    throw badInput(
      `A DateTime is ISO 8601, e.g. "2026-11-30T08:00:00Z" (a date alone means its start, UTC), got ${JSON.stringify(value)}`,
    );
  return new Date(value as string).toISOString();
}

builder.scalarType('DateTime', {
  description: 'An instant, ISO 8601 with a time zone (e.g. "2026-11-30T08:00:00Z"); served in UTC.',
  serialize: (v) => v,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literalToValue(ast)),
});
