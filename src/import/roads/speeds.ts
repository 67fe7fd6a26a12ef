/**
 * The road speed table (data/road-speeds.json, overridable with `--speeds <file.json>`): km/h per road
 * class, the ferry speed, a factor on posted limits and the implicit `maxspeed` zones. Which classes are
 * car-usable is the same table: a way whose class is not in `classes` is not a road for cars.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ImportOptionError } from '../errors.js';

export interface RoadSpeeds {
  /** km/h per class (OSM `highway` value, or a mapped GeoJSON class). */
  classes: Readonly<Record<string, number>>;
  /** km/h of a ferry without a usable `duration`. */
  ferryKmh: number;
  /** Multiplies a readable `maxspeed` (1 = the posted limit). */
  maxspeedFactor: number;
  /** km/h of implicit `maxspeed` values (`SE:rural`, `none`, `walk`). */
  implicit: Readonly<Record<string, number>>;
}

const DEFAULT_FILE = fileURLToPath(new URL('../../../data/road-speeds.json', import.meta.url));

function positive(option: string, where: string, value: unknown, max = 300): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max)
    throw new ImportOptionError(
      option,
      `${where} must be a number in (0, ${max}] (got ${JSON.stringify(value)})`,
    );
  return value;
}

function table(option: string, name: string, value: unknown): Record<string, number> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ImportOptionError(option, `"${name}" must be an object of km/h values`);
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(value)) out[key] = positive(option, `${name}.${key}`, v);
  return out;
}

/** Checks a parsed speeds JSON (any subset of the fields) and merges it over `base`. */
export function mergeSpeeds(base: RoadSpeeds, json: unknown, option = '--speeds'): RoadSpeeds {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ImportOptionError(
      option,
      'must be a JSON object with "classes", "ferryKmh", "maxspeedFactor", "implicit"',
    );
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['classes', 'ferryKmh', 'maxspeedFactor', 'implicit', '$comment'].includes(key))
      throw new ImportOptionError(
        option,
        `unknown key "${key}" (known: classes, ferryKmh, maxspeedFactor, implicit)`,
      );
  }
  return {
    classes: { ...base.classes, ...table(option, 'classes', o.classes) },
    implicit: { ...base.implicit, ...table(option, 'implicit', o.implicit) },
    ferryKmh: o.ferryKmh === undefined ? base.ferryKmh : positive(option, 'ferryKmh', o.ferryKmh),
    maxspeedFactor:
      o.maxspeedFactor === undefined
        ? base.maxspeedFactor
        : positive(option, 'maxspeedFactor', o.maxspeedFactor, 2),
  };
}

function readJson(file: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ImportOptionError(
      option,
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImportOptionError(option, `${file} is not valid JSON (${(error as Error).message})`);
  }
}

const EMPTY: RoadSpeeds = { classes: {}, implicit: {}, ferryKmh: 10, maxspeedFactor: 1 };

/** The default table from data/road-speeds.json, with `overrideFile` (`--speeds`) merged over it. */
export function loadRoadSpeeds(overrideFile?: string): RoadSpeeds {
  const defaults = mergeSpeeds(
    EMPTY,
    readJson(DEFAULT_FILE, 'data/road-speeds.json'),
    'data/road-speeds.json',
  );
  return overrideFile === undefined ? defaults : mergeSpeeds(defaults, readJson(overrideFile, '--speeds'));
}
