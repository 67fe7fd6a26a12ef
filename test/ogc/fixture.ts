import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { testConfig } from '../helpers/db.js';

/**
 * A small region around Borlänge/Falun (Dalarna) for the OGC API tests: 48 settlements on a jittered
 * grid (populations 40..2000, some without a 65+ figure, two municipalities and one in Gävleborg), a
 * few grocery stores and pharmacies (so some settlements are deserts and some are not), and one grocery
 * store that opens in 2031 (for `datetime`).
 */
export async function startOgcServer(): Promise<TestServer> {
  const server = await startTestServer({
    config: {
      limits: { ...testConfig().limits, rateLimitPerIp: 0, rateLimitPerKey: 0, requestTimeoutMs: 120_000 },
    },
  });
  const settlements = Array.from({ length: 48 }, (_, i) =>
    aSettlement({
      name: `Ort ${String(i).padStart(2, '0')}${i === 5 ? " O'Hara" : ''}`,
      lon: 14.6 + (i % 8) * 0.18 + ((i * 37) % 11) * 0.004,
      lat: 60.2 + Math.floor(i / 8) * 0.13 + ((i * 53) % 7) * 0.003,
      population: 40 + ((i * 389) % 1960),
      population65Plus: i % 5 === 0 ? null : Math.floor((40 + ((i * 389) % 1960)) * 0.25),
      municipalityCode: i % 8 === 7 ? '2181' : i % 2 ? '2081' : '2080',
      countyCode: i % 8 === 7 ? '21' : '20',
      broadbandShare: i % 3 === 0 ? 0.95 : null,
    }),
  );
  const points = [
    aServicePoint({ lon: 15.0, lat: 60.45, serviceTypes: ['GROCERY', 'PHARMACY'] }),
    aServicePoint({ lon: 15.6, lat: 60.6, serviceTypes: ['GROCERY'] }),
    aServicePoint({ lon: 14.7, lat: 60.25, serviceTypes: ['GROCERY'] }),
    aServicePoint({ lon: 15.9, lat: 60.3, serviceTypes: ['PHARMACY'] }),
    aServicePoint({ lon: 15.3, lat: 60.85, serviceTypes: ['GROCERY'], validFrom: '2031-01-01' }),
  ];
  await seed(server.app.db, { settlements, servicePoints: points });
  return server;
}

/**
 * fetch with one retry when a kept-alive socket was closed by the server's keep-alive timeout just as the
 * client reused it (a race of the test client after a long pause on a loaded machine, not an API answer).
 */
export function fetchOnce(url: string, init?: RequestInit): Promise<Response> {
  return fetch(url, init).catch((error: { cause?: { code?: string } }) => {
    if (error.cause?.code !== 'ECONNRESET') throw error;
    return fetch(url, init);
  });
}
