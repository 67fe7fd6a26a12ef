import { Kind } from 'graphql';
import type { ValueNode } from 'graphql';
import { isCalendarDate, parseInstant } from '../calendar-date.js';
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
  const text = typeof value === 'string' ? value.trim() : '';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== text) {
    throw badInput(`A Date must be a calendar date YYYY-MM-DD (got ${JSON.stringify(value)})`);
  }
  return text;
}

builder.scalarType('Date', {
  description: 'A calendar date, ISO 8601 `YYYY-MM-DD` (e.g. "2026-01-01").',
  serialize: (v) => v,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(literalToValue(ast)),
});

function parseDateTime(value: unknown): Date {
  const text = typeof value === 'string' ? value.trim() : '';
  // A time needs an offset (Z or ±hh:mm): a bare local time would silently mean the server's zone. A date
  // alone is that day's start in UTC (convenient for ranges such as the audit log's since/until).
  // The date must exist: 2026-02-30T10:00+01:00 is refused, not read as 2 March.
  const date = isCalendarDate(text) ? new Date(text) : parseInstant(text);
  if (!date || Number.isNaN(date.getTime())) {
    throw badInput(
      `A DateTime must be an instant that exists, ISO 8601 with an offset, e.g. "2026-06-06T16:00:00+02:00" or "…Z", or a date YYYY-MM-DD (got ${JSON.stringify(value)})`,
    );
  }
  return date;
}

builder.scalarType('DateTime', {
  description:
    'An instant, ISO 8601 with an offset (`2026-06-06T16:00:00+02:00`, `2026-06-06T14:00:00Z`; a date alone ' +
    'is its start in UTC); served in UTC. Opening hours are evaluated at it in Europe/Stockholm time.',
  serialize: (v) => (v instanceof Date ? v.toISOString() : v),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literalToValue(ast)),
});
