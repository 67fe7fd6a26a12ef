/**
 * `--map ours=theirs,…` and `--type-map value=CODE,…`: how a file's own column/property names and
 * category values map onto Serviceatlas's fields and service-type codes.
 */
import { ImportOptionError } from './errors.js';

/** What is being imported. */
export type ImportTarget = 'settlements' | 'service-points' | 'roads' | 'grid' | 'connectivity';

/** Coordinate fields, shared by both targets: `lon`,`lat` in EPSG:4326, `x`,`y` in EPSG:3006. */
export const COORDINATE_FIELDS = ['lon', 'lat', 'x', 'y'] as const;

/** Our field names per target (the left-hand side of `--map`). */
export const IMPORT_FIELDS: Readonly<Record<ImportTarget, readonly string[]>> = {
  settlements: [
    'name',
    'population',
    'population65Plus',
    'kind',
    'municipalityCode',
    'countyCode',
    'broadbandShare',
    'externalId',
    ...COORDINATE_FIELDS,
  ],
  'service-points': [
    'name',
    'serviceTypes',
    'status',
    'operator',
    'capacity',
    'openingHours',
    'municipalityCode',
    'externalId',
    'validFrom',
    'validTo',
    ...COORDINATE_FIELDS,
  ],
  // Population grid squares (src/import/grid-row.ts); `cellId` falls back to SCB's `rutid` column.
  grid: [
    'cellId',
    'population',
    'population65Plus',
    'population80Plus',
    'municipalityCode',
    'countyCode',
    ...COORDINATE_FIELDS,
  ],
  // Connectivity figures (src/import/connectivity-row.ts): the key column of the --level, then the shares.
  connectivity: [
    'municipalityCode',
    'externalId',
    'cellId',
    'broadbandShare',
    'gigabitShare',
    'mobileCoverage',
  ],
  // Road lines (GeoJSON): OSM tag names, so one set of rules (src/import/roads/tags.ts) reads both.
  roads: [
    'highway',
    'maxspeed',
    'oneway',
    'junction',
    'name',
    'access',
    'vehicle',
    'motor_vehicle',
    'motorcar',
    'area',
    'route',
    'ferry',
    'duration',
  ],
};

/** Ours → theirs: `population` → `befolkning_2020`. Fields not in the map are read under our own name. */
export type FieldMap = ReadonlyMap<string, string>;

/** The empty mapping: every field is read under its own name. */
export const IDENTITY_FIELD_MAP: FieldMap = new Map();

/** The file's column/property name that holds our `field`. */
export function sourceKey(fieldMap: FieldMap, field: string): string {
  return fieldMap.get(field) ?? field;
}

function levenshtein(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/**
 * The closest known name when it is a plausible typo: case-insensitive edit distance ≤ 2, or sharing all
 * but the last two letters of the shorter name (`PHARMACIES` → `PHARMACY`).
 */
export function suggestName(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  const lower = name.toLowerCase();
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    let shared = 0;
    while (shared < lower.length && lower[shared] === other[shared]) shared++;
    const prefix = shared >= 5 && shared >= Math.min(lower.length, other.length) - 2;
    const distance = prefix ? 2 : levenshtein(lower, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function parsePairs(option: string, spec: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    const left = equals < 0 ? '' : part.slice(0, equals).trim();
    const right = equals < 0 ? '' : part.slice(equals + 1).trim();
    if (left === '' || right === '') {
      throw new ImportOptionError(option, `"${part.trim()}" is not of the form name=value`);
    }
    pairs.push([left, right]);
  }
  return pairs;
}

/**
 * Parses `--map name=tatort,population=befolkning_2020` into ours → theirs, rejecting unknown field
 * names (with a did-you-mean) and fields mapped twice. Several of our fields may read the same column.
 *
 * @example
 * parseFieldMap('name=tatort,externalId=tatortskod', 'settlements').get('name') // 'tatort'
 */
export function parseFieldMap(spec: string | undefined, target: ImportTarget): FieldMap {
  const map = new Map<string, string>();
  if (spec === undefined) return map;
  const known = IMPORT_FIELDS[target];
  for (const [ours, theirs] of parsePairs('--map', spec)) {
    if (!known.includes(ours)) {
      const suggestion = suggestName(ours, known);
      throw new ImportOptionError(
        '--map',
        `unknown field "${ours}" for ${target}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ` +
          `the left-hand side is our field name, one of: ${known.join(', ')}`,
      );
    }
    if (map.has(ours)) {
      throw new ImportOptionError(
        '--map',
        `field "${ours}" is mapped twice ("${map.get(ours)}", "${theirs}")`,
      );
    }
    map.set(ours, theirs);
  }
  return map;
}

/**
 * Parses `--type-map pharmacy=PHARMACY,clinic=PRIMARY_CARE` into file value → service-type code.
 * Codes are checked against the catalogue (case-insensitive, stored upper-case); file values are kept
 * as written and matched case-insensitively by {@link lookupTypeMap}.
 */
export function parseTypeMap(
  spec: string | undefined,
  knownServiceTypes: ReadonlySet<string>,
): Map<string, string> {
  const map = new Map<string, string>();
  if (spec === undefined) return map;
  const known = [...knownServiceTypes];
  for (const [value, rawCode] of parsePairs('--type-map', spec)) {
    const code = rawCode.toUpperCase();
    if (!knownServiceTypes.has(code)) {
      const suggestion = suggestName(rawCode, known);
      throw new ImportOptionError(
        '--type-map',
        `unknown service type "${rawCode}" for "${value}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ` +
          `known: ${known.join(', ')}`,
      );
    }
    const previous = map.get(value);
    if (previous !== undefined && previous !== code) {
      throw new ImportOptionError('--type-map', `"${value}" is mapped twice ("${previous}", "${code}")`);
    }
    map.set(value, code);
  }
  return map;
}

/** The code a file value maps to: exact match first, then case-insensitive; undefined when unmapped. */
export function lookupTypeMap(typeMap: ReadonlyMap<string, string>, value: string): string | undefined {
  const exact = typeMap.get(value);
  if (exact !== undefined) return exact;
  const lower = value.toLowerCase();
  for (const [key, code] of typeMap) if (key.toLowerCase() === lower) return code;
  return undefined;
}
