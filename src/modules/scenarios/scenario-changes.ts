import { z } from 'zod';
import type { AddedPoint, ScenarioChanges } from '../../engine/scenario/index.js';
import { invalid } from '../../domain-error.js';
import { validateLocation } from '../../geo/area-filter.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';

export const MAX_ADDED_POINTS = 500;
export const MAX_CLOSED_POINTS = 10_000;

/**
 * A scenario's changes as the API takes them (ScenarioInput) and as they are stored (scenarios.changes):
 * ids of open points to close, new points, and per-type threshold overrides.
 */
export interface StoredScenarioChanges {
  closeServicePointIds: string[];
  addServicePoints: {
    name: string;
    location: { lon: number; lat: number };
    serviceTypes: string[];
    municipalityCode: string | null;
  }[];
  thresholdMinutes: { serviceType: string; minutes: number }[];
}

/** ScenarioInput as GraphQL hands it over (optional lists may be null). */
export interface ScenarioChangesArgs {
  closeServicePointIds?: readonly (string | number)[] | null;
  addServicePoints?:
    | readonly {
        name: string;
        location: { lon: number; lat: number };
        serviceTypes: readonly string[];
        municipalityCode?: string | null;
      }[]
    | null;
  thresholdMinutes?: readonly { serviceType: string; minutes: number }[] | null;
}

const storedSchema = z.object({
  closeServicePointIds: z.array(z.string()),
  addServicePoints: z.array(
    z.object({
      name: z.string(),
      location: z.object({ lon: z.number(), lat: z.number() }),
      serviceTypes: z.array(z.string()),
      municipalityCode: z.string().nullable(),
    }),
  ),
  thresholdMinutes: z.array(z.object({ serviceType: z.string(), minutes: z.number() })),
});

/** Reads stored changes (jsonb); throws when the stored value is not in the stored format. */
export function parseStoredChanges(value: unknown): StoredScenarioChanges {
  return storedSchema.parse(value);
}

/**
 * Validates ScenarioInput against the current data and normalises it for storing: every id to close is an
 * open point, every new point has a name, a WGS84 location, known types and a 4-digit municipality code
 * (or none), every threshold override names a known type once with minutes in (0, 600]. BAD_USER_INPUT
 * names the field and the offending value.
 */
export function normaliseChanges(
  snapshot: AnalysisSnapshot,
  args: ScenarioChangesArgs,
): StoredScenarioChanges {
  const known = new Set(snapshot.catalogue.map((t) => t.code));
  const requireType = (code: string, field: string) => {
    if (!known.has(code))
      throw invalid(`Unknown service type ${code}; known: ${[...known].join(', ')}`, field);
  };
  const ids = [...new Set((args.closeServicePointIds ?? []).map(String))];
  if (ids.length > MAX_CLOSED_POINTS) {
    throw invalid(`at most ${MAX_CLOSED_POINTS} points can be closed`, 'changes.closeServicePointIds');
  }
  for (const id of ids) {
    if (!snapshot.pointsById.has(id)) {
      throw invalid(
        `closeServicePointIds: no open service point with id ${id}`,
        'changes.closeServicePointIds',
      );
    }
  }
  const added = args.addServicePoints ?? [];
  if (added.length > MAX_ADDED_POINTS) {
    throw invalid(`at most ${MAX_ADDED_POINTS} points can be added`, 'changes.addServicePoints');
  }
  const addServicePoints = added.map((p, i) => {
    const field = `changes.addServicePoints[${i}]`;
    const name = p.name.trim();
    if (name.length === 0 || name.length > 200)
      throw invalid('name must be 1..200 characters', `${field}.name`);
    validateLocation(p.location, `${field}.location`);
    if (p.serviceTypes.length === 0) throw invalid('serviceTypes must not be empty', `${field}.serviceTypes`);
    for (const code of p.serviceTypes) requireType(code, `${field}.serviceTypes`);
    const municipalityCode = p.municipalityCode ?? null;
    if (municipalityCode !== null && !/^\d{4}$/.test(municipalityCode)) {
      throw invalid('municipalityCode must be 4 digits (SCB kommunkod)', `${field}.municipalityCode`);
    }
    return {
      name,
      location: { lon: p.location.lon, lat: p.location.lat },
      serviceTypes: [...new Set(p.serviceTypes)],
      municipalityCode,
    };
  });
  const overridden = new Set<string>();
  const thresholdMinutes = (args.thresholdMinutes ?? []).map((o, i) => {
    const field = `changes.thresholdMinutes[${i}]`;
    requireType(o.serviceType, `${field}.serviceType`);
    if (overridden.has(o.serviceType)) throw invalid(`${o.serviceType} is overridden twice`, field);
    overridden.add(o.serviceType);
    if (!Number.isFinite(o.minutes) || o.minutes <= 0 || o.minutes > 600) {
      throw invalid('minutes must be a number in (0, 600]', `${field}.minutes`);
    }
    return { serviceType: o.serviceType, minutes: o.minutes };
  });
  return { closeServicePointIds: ids, addServicePoints, thresholdMinutes };
}

/** Stored changes as the engine takes them; what the current data no longer allows is left out and listed. */
export interface EngineChanges {
  changes: ScenarioChanges;
  /** Ids to close that are no longer open points (saved scenarios on changed data). */
  ignoredServicePointIds: string[];
  /** The added points with their scenario ids ("new:1", "new:2", …). */
  addedPoints: AddedPoint[];
}

/**
 * Converts stored changes for evaluateScenario on a snapshot: added points get the ids "new:1", "new:2", …
 * (never a stored id); ids no longer open and types no longer in the catalogue are left out (and the ids
 * listed), so a saved scenario still evaluates after the data changed. The map-tiles module uses this too.
 */
export function toEngineChanges(snapshot: AnalysisSnapshot, stored: StoredScenarioChanges): EngineChanges {
  const known = new Set(snapshot.catalogue.map((t) => t.code));
  const closePointIds = stored.closeServicePointIds.filter((id) => snapshot.pointsById.has(id));
  const ignoredServicePointIds = stored.closeServicePointIds.filter((id) => !snapshot.pointsById.has(id));
  const addedPoints: AddedPoint[] = stored.addServicePoints.map((p, i) => ({
    id: `new:${i + 1}`,
    name: p.name,
    lon: p.location.lon,
    lat: p.location.lat,
    serviceTypes: p.serviceTypes.filter((code) => known.has(code)),
    municipalityCode: p.municipalityCode,
  }));
  const thresholdMinutes: Record<string, number> = {};
  for (const o of stored.thresholdMinutes)
    if (known.has(o.serviceType)) thresholdMinutes[o.serviceType] = o.minutes;
  return {
    changes: { closePointIds, addPoints: addedPoints, thresholdMinutes },
    ignoredServicePointIds,
    addedPoints,
  };
}
