import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../services.js';

/** Routes beyond GraphQL and health (vector tiles, the demo map page); wired in by the map-layer module. */
export async function createHttpExtensions(_services: Services) {
  return {
    async handle(_req: IncomingMessage, _res: ServerResponse, _url: URL, _baseUrl: string): Promise<boolean> {
      return false;
    },
  };
}
