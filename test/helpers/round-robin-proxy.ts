/**
 * A tiny round-robin HTTP proxy standing in for nginx/HAProxy in tests and bench:cluster (no session
 * affinity). A backend that refuses the connection is skipped and the request tried on the next one, as
 * nginx's `proxy_next_upstream error` does; request bodies are buffered so a retry can resend them.
 */
import type { Server } from 'node:http';
import { createServer, request } from 'node:http';

export interface RoundRobinProxy {
  url: string;
  server: Server;
  /** Requests each backend answered. */
  served: Map<string, number>;
  close(): Promise<void>;
}

export async function startRoundRobinProxy(backends: string[], port = 0): Promise<RoundRobinProxy> {
  let next = 0;
  const served = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const start = next++ % backends.length;
      const attempt = (i: number): void => {
        if (i >= backends.length) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end('no backend answered');
          return;
        }
        const backend = backends[(start + i) % backends.length]!;
        const target = new URL(req.url ?? '/', backend);
        const upstream = request(
          target,
          { method: req.method, headers: { ...req.headers, host: target.host } },
          (up) => {
            served.set(backend, (served.get(backend) ?? 0) + 1);
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          // Nothing was answered yet: try the next backend (a refused or reset connection).
          if (!res.headersSent) attempt(i + 1);
          else res.destroy(error);
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
