/**
 * Who is writing: a role and a scope, from an API key, a legacy write token or a JWT. Plain data, so
 * services take it as an argument and never see a request.
 */
export type Role = 'reader' | 'planner' | 'admin';
export const ROLES: readonly Role[] = ['reader', 'planner', 'admin'];

export interface Scope {
  /** 4-digit SCB municipality (kommun) codes. */
  municipalityCodes: readonly string[];
  /** 2-digit SCB county (län) codes: every municipality of the county. */
  countyCodes: readonly string[];
}

export interface Principal {
  /** The actor recorded in the audit log: a key id (`k_…`), `write-token#n` or `jwt:<subject>`. Never a secret. */
  id: string;
  /** The key's name, when it has one. */
  name: string | null;
  role: Role;
  /** What a planner may change (admins: everything; readers: nothing). */
  scope: Scope;
  /** How the principal proved itself. */
  via: 'key' | 'write-token' | 'jwt';
  /**
   * An API key that has written: the primary's `writes` version after its last write (through any replica),
   * read with the key; its reads are answered from no older data. Absent when it never wrote.
   */
  lastWrites?: number;
}

/** The place an entity lies in: its municipality and county codes (either may be unknown). */
export interface Place {
  municipalityCode: string | null;
  countyCode?: string | null;
}

/** Whether the principal may change an entity in this place: admins anywhere, planners inside their scope. */
export function mayChange(principal: Principal, place: Place): boolean {
  if (principal.role === 'admin') return true;
  if (principal.role !== 'planner') return false;
  const municipality = place.municipalityCode;
  const county = place.countyCode ?? municipality?.slice(0, 2) ?? null;
  if (municipality !== null && principal.scope.municipalityCodes.includes(municipality)) return true;
  return county !== null && principal.scope.countyCodes.includes(county);
}

/** "municipalities 2085, 2084 and county 20" — for refusal messages and `keys list`. */
export function describeScope(scope: Scope): string {
  const parts: string[] = [];
  if (scope.municipalityCodes.length > 0) parts.push(`municipalities ${scope.municipalityCodes.join(', ')}`);
  if (scope.countyCodes.length > 0) parts.push(`counties ${scope.countyCodes.join(', ')}`);
  return parts.length > 0 ? parts.join(' and ') : 'no area';
}
