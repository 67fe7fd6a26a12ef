import type { TestServer } from '../helpers/server.js';
export { minutesFor } from './oracles.js';

/**
 * Hand-checkable geometry: everything lies on the meridian 15°E north of 60°N, so the geodesic (Turf,
 * earth radius 6371.0088 km) distance between two places is exactly the difference of their km marks, and
 * under the default travel model (circuity 1.35, 70 km/h, no fixed minutes) minutes = km × 1.35 / 70 × 60.
 */
export const LON = 15;
const KM_PER_DEGREE = (6371.0088 * Math.PI) / 180;

/** Latitude of the place `km` north of 60°N on the meridian. */
export function latAt(km: number): number {
  return 60 + km / KM_PER_DEGREE;
}

/** Ids by name, looked up over the API. */
export async function idsByName(server: TestServer, kind: 'settlements' | 'servicePoints') {
  const r = await server.gql<Record<string, { nodes: { id: string; name: string }[] }>>(
    `{ ${kind}(first: 500) { nodes { id name } } }`,
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return new Map(r.data![kind]!.nodes.map((n) => [n.name, n.id]));
}
