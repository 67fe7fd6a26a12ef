import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { acceptsGzip } from '../tiles/routes.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** A body's compressed forms, kept beside it so an answer sent many times is compressed once. */
export interface Encodings {
  gzip?: Promise<Buffer>;
  br?: Promise<Buffer>;
}

/** Below this a compressed body saves less than the headers and the CPU cost. */
const MIN_COMPRESS_BYTES = 1024;

/** True when the client accepts Brotli (and does not refuse it with q=0). */
function acceptsBrotli(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'br') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Writes a complete text body, Brotli- or gzip-compressed when the client accepts it and it is worth it
 * (JSON answers compress 5–15×; a coverage layer is megabytes). zlib's async functions run in libuv's
 * thread pool, so a large body does not block the event loop. Brotli at quality 4 compresses better than
 * gzip -6 at a similar speed; its default (11) is far too slow for responses made per request.
 */
export async function writeCompressed(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  /** Encodings of this same body made before (a cached answer keeps them), filled in as they are made. */
  encodings?: Encodings,
): Promise<void> {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const vary = headers.vary ?? headers.Vary ?? (res.getHeader('Vary') as string | undefined);
  const out: Record<string, string> = {
    ...headers,
    vary: vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding',
  };
  delete out.Vary;
  const accept = req.headers['accept-encoding'];
  let encoded: Buffer = raw;
  if (raw.byteLength >= MIN_COMPRESS_BYTES && req.method !== 'HEAD') {
    if (acceptsBrotli(accept)) {
      const br =
        encodings?.br ??
        brotliAsync(raw, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 4,
            [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength,
          },
        });
      if (encodings) encodings.br = br;
      encoded = await br;
      out['content-encoding'] = 'br';
    } else if (acceptsGzip(accept)) {
      const gz = encodings?.gzip ?? gzipAsync(raw, { level: 6 });
      if (encodings) encodings.gzip = gz;
      encoded = await gz;
      out['content-encoding'] = 'gzip';
    }
  }
  delete out['content-length'];
  out['content-length'] = String(encoded.byteLength);
  res.writeHead(status, out);
  res.end(encoded);
}
