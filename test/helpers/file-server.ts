import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  path: string;
  range: string | undefined;
  ifRange: string | undefined;
  ifNoneMatch: string | undefined;
  status: number;
}

/**
 * A local HTTP file server on 127.0.0.1 for download tests (nothing leaves the machine): serves one body
 * with an ETag and Last-Modified, honours `Range: bytes=N-` with If-Range, answers If-None-Match with 304,
 * and can cut the connection after some bytes of the next responses.
 */
export interface FileServer {
  /** `http://127.0.0.1:<port>/<name>`. */
  url: string;
  requests: ServedRequest[];
  /** Cut the next `count` responses after `afterBytes` bytes of body. */
  cut(count: number, afterBytes: number): void;
  /** Serve a new body (a new ETag). */
  setBody(body: Buffer, etag: string): void;
  close(): Promise<void>;
}

export async function startFileServer(name: string, body: Buffer, etag = 'v1'): Promise<FileServer> {
  let current = body;
  let tag = `"${etag}"`;
  let cuts = 0;
  let cutAfter = 0;
  const requests: ServedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const record = (status: number) =>
      requests.push({
        path: req.url ?? '',
        range: req.headers.range,
        ifRange: req.headers['if-range'] as string | undefined,
        ifNoneMatch: req.headers['if-none-match'],
        status,
      });
    if (req.url !== `/${name}`) {
      record(404);
      res.writeHead(404).end('not found');
      return;
    }
    const headers = {
      etag: tag,
      'last-modified': 'Fri, 01 May 2020 21:00:00 GMT',
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (req.headers['if-none-match'] === tag) {
      record(304);
      res.writeHead(304, headers).end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const rangeValid =
      range !== null && (req.headers['if-range'] === undefined || req.headers['if-range'] === tag);
    if (rangeValid) {
      start = Number(range[1]);
      if (start >= current.length) {
        record(416);
        res.writeHead(416, { ...headers, 'content-range': `bytes */${current.length}` }).end();
        return;
      }
    }
    const status = rangeValid ? 206 : 200;
    record(status);
    const slice = current.subarray(start);
    res.writeHead(status, {
      ...headers,
      'content-length': String(slice.length),
      ...(status === 206
        ? { 'content-range': `bytes ${start}-${current.length - 1}/${current.length}` }
        : {}),
    });
    if (cuts > 0) {
      cuts--;
      res.write(slice.subarray(0, cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    requests,
    cut(count, afterBytes) {
      cuts = count;
      cutAfter = afterBytes;
    },
    setBody(next, nextTag) {
      current = next;
      tag = `"${nextTag}"`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
