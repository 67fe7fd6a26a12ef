import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleStatic } from '../../src/tiles/demo-page.js';
import { toPlainRequest, writePlainResponse } from '../../src/tiles/node-http.js';
import { handleTileRequest, type TileDataSource } from '../../src/tiles/routes.js';
import { catalogue, demoWorld, FakeTileSource } from './fixtures.js';

/**
 * A minimal HTTP server wiring the tile routes and the demo page over a fake data source, with just
 * enough of /graphql (`serviceTypes`) for the page: lets the browser test and manual checks run
 * before (and independently of) the real server. Run directly for a look: `npx tsx test/tiles/fixture-server.ts`.
 */
export async function startFixtureServer(
  source: TileDataSource = new FakeTileSource(demoWorld({ settlements: 800, points: 60 })),
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  const serviceTypes = catalogue().map(({ code, nameEn, thresholdMinutes }) => ({
    code,
    nameEn,
    thresholdMinutes,
  }));
  const handle = async (req: IncomingMessage, res: ServerResponse, baseUrl: string) => {
    const plain = toPlainRequest(req);
    const response = (await handleTileRequest(plain, source, baseUrl)) ?? (await handleStatic(plain));
    if (response) return writePlainResponse(res, response);
    if (plain.method === 'POST' && plain.url === '/graphql') {
      for await (const _chunk of req) {
        // The page only asks for serviceTypes; the query itself is not parsed here.
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ data: { serviceTypes } }));
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  };
  const server = createServer((req, res) => {
    const baseUrl = `http://${req.headers.host ?? 'localhost'}`;
    handle(req, res, baseUrl).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startFixtureServer(undefined, Number(process.env.PORT ?? 4100));
  console.log(`fixture map server on ${url}/`);
}
