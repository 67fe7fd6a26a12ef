/**
 * Which OpenStreetMap tags make a node or way a Serviceatlas service point. The table is data: add a
 * row to recognise more tagging; {@link osmServiceTypes} is the only logic.
 *
 * Tag values are matched after splitting OSM's `;` multi-values (`amenity=pharmacy;doctors`).
 */

/** Service-type code of the catalogue (data/service-types.json). */
export type OsmServiceType =
  | 'GROCERY'
  | 'FUEL'
  | 'POST'
  | 'PHARMACY'
  | 'PAYMENT'
  | 'PRIMARY_CARE'
  | 'SCHOOL'
  | 'LIBRARY'
  | 'ELDERLY_CARE';

/** One way of tagging a service. */
export interface OsmTagRule {
  serviceType: OsmServiceType;
  /** Every key must be present with one of its listed values. */
  tags: Readonly<Record<string, readonly string[]>>;
  /**
   * Keys that may be absent; when present, one of their values must be listed. Values may be OSM
   * ranges (`isced:level=1-3`) and lists (`1;2`).
   */
  whenPresent?: Readonly<Record<string, readonly string[]>>;
  /** Why the rule is there, or what it deliberately includes. */
  note?: string;
}

/** The mapping table, in catalogue order. */
export const OSM_TAG_RULES: readonly OsmTagRule[] = [
  { serviceType: 'GROCERY', tags: { shop: ['supermarket', 'convenience', 'general'] } },
  { serviceType: 'FUEL', tags: { amenity: ['fuel'] } },
  { serviceType: 'POST', tags: { amenity: ['post_office'] } },
  {
    serviceType: 'POST',
    tags: { post_office: ['post_partner'] },
    note: 'a post agent (ombud) inside a shop, tagged on the shop',
  },
  { serviceType: 'POST', tags: { post_partner: ['yes'] }, note: 'older/less common form of the same' },
  {
    serviceType: 'POST',
    tags: { amenity: ['parcel_locker'] },
    note:
      'a parcel locker is the catalogue’s digital substitute for POST (no registered mail, no returns); ' +
      'counted as POST so lockers show on the map, which can overstate POST coverage — remove this row to ' +
      'treat lockers as substitutes only',
  },
  { serviceType: 'PHARMACY', tags: { amenity: ['pharmacy'] } },
  { serviceType: 'PHARMACY', tags: { healthcare: ['pharmacy'] } },
  { serviceType: 'PAYMENT', tags: { amenity: ['atm', 'bank'] } },
  { serviceType: 'PAYMENT', tags: { atm: ['yes'] }, note: 'an ATM tagged on a bank or shop' },
  {
    serviceType: 'PAYMENT',
    tags: { amenity: ['bureau_de_change'] },
    note: 'in Sweden mostly Forex offices, which handle cash withdrawals and deposits',
  },
  { serviceType: 'PRIMARY_CARE', tags: { amenity: ['clinic', 'doctors'] } },
  { serviceType: 'PRIMARY_CARE', tags: { healthcare: ['centre', 'doctor', 'clinic'] } },
  {
    serviceType: 'SCHOOL',
    tags: { amenity: ['school'] },
    whenPresent: { 'isced:level': ['1', '2'] },
    note: 'grundskola is ISCED 1–2; a school tagged only with other levels (e.g. upper secondary, 3) is left out',
  },
  { serviceType: 'LIBRARY', tags: { amenity: ['library'] } },
  {
    serviceType: 'ELDERLY_CARE',
    tags: { amenity: ['social_facility'], social_facility: ['nursing_home', 'assisted_living'] },
  },
  { serviceType: 'ELDERLY_CARE', tags: { amenity: ['social_facility'], 'social_facility:for': ['senior'] } },
  { serviceType: 'ELDERLY_CARE', tags: { amenity: ['nursing_home'] }, note: 'deprecated tag, still common' },
];

/** Splits an OSM value list (`a;b`) and expands integer ranges (`1-3` → 1, 2, 3). */
export function osmValues(value: string): string[] {
  const values: string[] = [];
  for (const raw of value.split(';')) {
    const part = raw.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range && Number(range[2]) - Number(range[1]) <= 20) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) values.push(String(n));
    } else if (part !== '') {
      values.push(part);
    }
  }
  return values;
}

function tagMatches(
  tags: Readonly<Record<string, string>>,
  key: string,
  allowed: readonly string[],
): boolean {
  const value = tags[key];
  return value !== undefined && osmValues(value).some((v) => allowed.includes(v));
}

/**
 * The service types an OSM element's tags describe, in table order without duplicates; empty when none.
 *
 * @example
 * osmServiceTypes({ amenity: 'pharmacy', name: 'Apoteket' }) // ['PHARMACY']
 * osmServiceTypes({ shop: 'convenience', post_office: 'post_partner' }) // ['GROCERY', 'POST']
 */
export function osmServiceTypes(
  tags: Readonly<Record<string, string>>,
  rules: readonly OsmTagRule[] = OSM_TAG_RULES,
): OsmServiceType[] {
  const types: OsmServiceType[] = [];
  for (const rule of rules) {
    if (types.includes(rule.serviceType)) continue;
    const required = Object.entries(rule.tags).every(([key, allowed]) => tagMatches(tags, key, allowed));
    if (!required) continue;
    const conditional = Object.entries(rule.whenPresent ?? {}).every(
      ([key, allowed]) => tags[key] === undefined || tagMatches(tags, key, allowed),
    );
    if (conditional) types.push(rule.serviceType);
  }
  return types;
}
