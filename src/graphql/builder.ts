import SchemaBuilder from '@pothos/core';
import type { Context } from '../context.js';

/** A GeoJSON Point: `{ "type": "Point", "coordinates": [lon, lat] }`. */
export interface GeoJsonPoint {
  type: 'Point';
  coordinates: [number, number];
}

/** The one Pothos SchemaBuilder; modules add their types and fields to it. */
export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    ID: { Input: string; Output: string | number };
    Point: { Input: GeoJsonPoint; Output: GeoJsonPoint };
    JSON: { Input: unknown; Output: unknown };
    ServiceTypeCode: { Input: string; Output: string };
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
});

builder.queryType({ description: 'Read access to settlements, service points and the access analyses.' });

// The mutation root sits beside the query root; the modules add their fields (review item 3).
builder.mutationType({
  description:
    'Writes: need `Authorization: Bearer <key>` with a planner or admin key (planners: only inside their municipalities/counties and their own scenarios). Every accepted write is one transaction, audited (`auditLog`) and visible to the next read; refused writes are logged and counted.',
});
