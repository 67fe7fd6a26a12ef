/**
 * Which OSM ways are roads a car can use, in which direction, how fast — from their tags alone. The
 * same rules serve GeoJSON after `--map` has renamed its properties to these tag names.
 *
 * Access follows OSM's hierarchy: the most specific of `motorcar`, `motor_vehicle`, `vehicle`,
 * `access` that is present decides (so `access=no` + `motor_vehicle=yes` is open). Barred values:
 * no, private, agricultural, forestry, emergency, military. `area=yes`, `reversible` one-ways and
 * construction/proposed (not in the class table) are dropped. Tracks are kept unless barred: in Sweden
 * many villages are reached only by them, at the slow track speed.
 */
import type { RoadSpeeds } from './speeds.js';

export type Tags = Readonly<Record<string, string | undefined>>;

/** A kept way: class, speed and direction; ferries carry their stated duration when readable. */
export interface RoadWayClass {
  roadClass: string;
  speedKmh: number;
  /** 0 two-way, 1 one-way in drawing order, -1 one-way against it (store reversed). */
  direction: 0 | 1 | -1;
  isFerry: boolean;
  /** A ferry's `duration` in minutes for the whole way; null = use speedKmh. */
  minutes: number | null;
}

/** Why a way was not kept (for the summary). */
export type RoadRejection = 'not a car road' | 'no access for cars' | 'area' | 'reversible';

const BARRED = new Set(['no', 'private', 'agricultural', 'forestry', 'emergency', 'military']);
const ACCESS_KEYS = ['motorcar', 'motor_vehicle', 'vehicle', 'access'] as const;
const CAR_FERRY = new Set(['yes', 'designated']);

/** The deciding access value for cars, or undefined when no access tag is set. */
export function carAccess(tags: Tags): string | undefined {
  for (const key of ACCESS_KEYS) {
    const value = tags[key];
    if (value !== undefined) return value.trim().toLowerCase();
  }
  return undefined;
}

/**
 * km/h from a `maxspeed` value, or null when it gives none (unknown zone, `signals`, `variable`, junk).
 * Numbers are km/h unless followed by `mph` (or `knots`); `50;70` takes the lower; zones and `none`
 * come from the table.
 */
export function parseMaxspeed(value: string | number | undefined, speeds: RoadSpeeds): number | null {
  if (value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 && value <= 300 ? value : null;
  const text = value.trim();
  if (text === '') return null;
  const implicit = speeds.implicit[text] ?? speeds.implicit[text.toLowerCase()];
  if (implicit !== undefined) return implicit;
  let best: number | null = null;
  for (const part of text.split(/[;|]/)) {
    const m = /^(\d+(?:[.,]\d+)?)\s*(km\/h|kmh|kph|mph|knots)?$/i.exec(part.trim());
    if (!m) continue;
    let kmh = Number(m[1]!.replace(',', '.'));
    const unit = m[2]?.toLowerCase();
    if (unit === 'mph') kmh *= 1.609344;
    else if (unit === 'knots') kmh *= 1.852;
    if (kmh > 0 && kmh <= 300 && (best === null || kmh < best)) best = kmh;
  }
  return best;
}

/** `oneway`: 1 yes/true/1, -1 for -1/reverse, 0 no/false/0, null unset or unknown, 'reversible'. */
export function parseOneway(value: string | undefined): 1 | -1 | 0 | null | 'reversible' {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  if (v === 'yes' || v === 'true' || v === '1') return 1;
  if (v === '-1' || v === 'reverse') return -1;
  if (v === 'no' || v === 'false' || v === '0' || v === 'alternating') return 0;
  if (v === 'reversible') return 'reversible';
  return null;
}

/** A ferry `duration` in minutes: `HH:MM`, `HH:MM:SS`, plain minutes, or ISO 8601 `PT1H30M`; null if unreadable. */
export function parseDuration(value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  let minutes: number | null = null;
  const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(v);
  if (clock) minutes = Number(clock[1]) * 60 + Number(clock[2]) + Number(clock[3] ?? 0) / 60;
  else if (/^\d+(\.\d+)?$/.test(v)) minutes = Number(v);
  else {
    const iso = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(v);
    if (iso && (iso[1] || iso[2] || iso[3]))
      minutes = Number(iso[1] ?? 0) * 60 + Number(iso[2] ?? 0) + Number(iso[3] ?? 0) / 60;
  }
  return minutes !== null && minutes > 0 ? minutes : null;
}

/** The class, speed and direction of a car-usable way, or why it is not one. */
export function classifyWay(tags: Tags, speeds: RoadSpeeds): RoadWayClass | RoadRejection {
  if (tags.area?.trim().toLowerCase() === 'yes') return 'area';
  const access = carAccess(tags);
  const isFerry = tags.route?.trim().toLowerCase() === 'ferry';
  let roadClass: string;
  if (isFerry) {
    // Conservative: a ferry carries cars only when it says so, or names the road class it carries.
    const says = tags.motorcar ?? tags.motor_vehicle;
    const carried = tags.ferry?.trim();
    const carries =
      says !== undefined
        ? CAR_FERRY.has(says.trim().toLowerCase())
        : carried !== undefined && speeds.classes[carried] !== undefined;
    if (!carries) return 'not a car road';
    if (access !== undefined && BARRED.has(access)) return 'no access for cars';
    roadClass = 'ferry';
  } else {
    const highway = tags.highway?.trim();
    if (highway === undefined || speeds.classes[highway] === undefined) return 'not a car road';
    if (access !== undefined && BARRED.has(access)) return 'no access for cars';
    roadClass = highway;
  }
  const oneway = parseOneway(tags.oneway);
  if (oneway === 'reversible') return 'reversible';
  const junction = tags.junction?.trim().toLowerCase();
  const implied = junction === 'roundabout' || junction === 'circular' || roadClass === 'motorway';
  const direction: 0 | 1 | -1 = oneway ?? (implied ? 1 : 0);
  if (isFerry) {
    return {
      roadClass,
      speedKmh: speeds.ferryKmh,
      direction,
      isFerry,
      minutes: parseDuration(tags.duration),
    };
  }
  const posted = parseMaxspeed(tags.maxspeed, speeds);
  const speedKmh = posted !== null ? posted * speeds.maxspeedFactor : speeds.classes[roadClass]!;
  return { roadClass, speedKmh, direction, isFerry, minutes: null };
}
