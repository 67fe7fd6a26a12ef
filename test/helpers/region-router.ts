/**
 * A small router standing in for the nginx `map` / HAProxy ACL of docs/deploy/regions.md: a request's
 * area — the `X-Serviceatlas-Area` header, else the `area` query argument — picks the partition holding it:
 * an exact code first, then the code's first two characters (a Swedish municipality code starts with its
 * county's). No area, or one no partition holds, goes to the whole instance.
 */
import type { Server } from 'node:http';
import { createServer, request } from 'node:http';

export interface RegionRouter {
  url: string;
  server: Server;
  /** Requests each upstream answered. */
  served: Map<string, number>;
  close(): Promise<void>;
}

/** The upstream for an area code under the routing rule (exported for the rule's own test). */
export function upstreamFor(
  area: string | null,
  partitions: readonly { regions: readonly string[]; url: string }[],
  whole: string,
): string {
  if (!area) return whole;
  const exact = partitions.find((p) => p.regions.includes(area));
  if (exact) return exact.url;
  return partitions.find((p) => p.regions.includes(area.slice(0, 2)))?.url ?? whole;
}

export async function startRegionRouter(
  partitions: readonly { regions: readonly string[]; url: string }[],
  whole: string,
): Promise<RegionRouter> {
  const served = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://router');
    const header = req.headers['x-serviceatlas-area'];
    const area = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('area');
    const upstream = upstreamFor(area ?? null, partitions, whole);
    const target = new URL(req.url ?? '/', upstream);
    const forward = request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        served.set(upstream, (served.get(upstream) ?? 0) + 1);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forward.on('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`upstream ${upstream}: ${error.message}`);
      } else res.destroy(error);
    });
    req.pipe(forward);
  });
  // Longer than a client's idle keep-alive (undici: 4 s), so the client closes an idle connection first: a
  // router closing it while the client sends on it would reset that request (ECONNRESET).
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
