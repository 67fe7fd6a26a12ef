import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger } from '../logger.js';
import { mapLayersFor } from '../modules/map/map-layers.js';
import { tileSourceFor } from '../modules/map/tile-source.js';
import { handleReportRequest } from '../modules/report/report.http.js';
import { findScenario } from '../modules/scenarios/scenario.repository.js';
import type { Services } from '../services.js';
import { handleStatic } from '../tiles/demo-page.js';
import { jsonError } from '../tiles/http.js';
import { toPlainRequest, writePlainResponse } from '../tiles/node-http.js';
import { handleTileRequest } from '../tiles/routes.js';

/** What the tile routes accept as a scenario id (others are refused there with 400). */
const SCENARIO_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Whether a path belongs to the tile routes. */
const isTilePath = (path: string): boolean => path === '/tiles' || path.startsWith('/tiles/');

/**
 * Routes beyond GraphQL and health: vector tiles and TileJSON under `/tiles/…` (over the current
 * analysis snapshot; `?scenario=<id>` shows the data as a saved scenario leaves them, 404 for an
 * unknown id), the printable municipal service plan under `/reports/municipality/{code}`, and the demo map
 * page with its assets. `handle` returns false for any other path.
 */
export async function createHttpExtensions(services: Services) {
  const layers = mapLayersFor(services);
  const log = createLogger(services.config.logLevel);
  const onError = (error: unknown, req: { url: string }) =>
    log.error({ err: error, url: req.url }, 'tile request failed');

  return {
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, baseUrl: string): Promise<boolean> {
      const plain = toPlainRequest(req);
      if (url.pathname.startsWith('/reports/')) {
        const report = await handleReportRequest(
          services,
          req.method ?? 'GET',
          url.pathname,
          url.searchParams,
        );
        if (report !== null) {
          writePlainResponse(res, report);
          return true;
        }
      }
      if (isTilePath(url.pathname)) {
        const scenario = url.searchParams.get('scenario');
        if (scenario !== null && SCENARIO_ID.test(scenario) && req.method !== 'OPTIONS') {
          // Checked on every request (one indexed query): a deleted scenario's tiles stop at once.
          if ((await findScenario(services.db, scenario)) === null) {
            const message = `no saved scenario with id '${scenario}'; omit scenario for the baseline`;
            writePlainResponse(res, jsonError(404, 'NOT_FOUND', message, 'scenario'));
            return true;
          }
        }
        const source = await tileSourceFor(layers);
        const response = await handleTileRequest(plain, source, baseUrl, {
          cache: layers.tileCache,
          onError,
          privateCache: services.config.readAuth === 'key',
        });
        if (response !== null) {
          writePlainResponse(res, response);
          return true;
        }
      }
      const page = await handleStatic(plain);
      if (page === null) return false;
      writePlainResponse(res, page);
      return true;
    },
  };
}
