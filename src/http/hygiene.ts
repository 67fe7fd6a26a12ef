/**
 * Connection hygiene for the HTTP server (issue 19: ~20,000 connections sending a byte every 10 s
 * exhausted the file descriptors, and releasing them logged 19,858 error lines with stacks):
 * - headers must arrive within headersTimeoutMs, a whole request within receiveTimeoutMs, an idle
 *   keep-alive connection is closed after keepAliveTimeoutMs (Node checks them every second, not every 30);
 * - at most maxConnections open connections, and at most maxConnectionsPerIp from one client address
 *   (0 = no per-address cap; behind a reverse proxy every client shares the proxy's address);
 * - a connection or request the client aborts, resets or lets time out is its business, not a server
 *   error: logged at info, without a stack, once per request — and connection-level events (timeouts,
 *   resets, refused connections) as one summary line per 10 s with counts, so a flood cannot flood the log.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';

export interface HttpConfig {
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (Node's `requestTimeout`); 0 = none. */
  receiveTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

interface InfoLogger {
  info(obj: object, msg: string): void;
}

/** Error codes of a request or connection the client broke off (not a server fault). */
const CLIENT_ABORTS = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'HPE_HEADER_OVERFLOW',
  'ERR_STREAM_DESTROYED',
]);

/** Whether an error is the client breaking off (reset, abort, timeout), not a fault of the server. */
export function isClientAbort(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; message?: unknown };
  return (typeof e.code === 'string' && CLIENT_ABORTS.has(e.code)) || e.message === 'aborted';
}

/** Logs a request the client broke off: once, at info, without a stack. */
export function logClientAbort(log: InfoLogger, req: IncomingMessage, error: unknown): void {
  const code = (error as { code?: unknown })?.code;
  log.info(
    { method: req.method, url: req.url?.slice(0, 200), code: typeof code === 'string' ? code : 'aborted' },
    'request aborted by the client',
  );
}

/** Counts connection-level events and logs them as one line per interval. */
class ConnectionEvents {
  private counts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: InfoLogger,
    private readonly intervalMs: number,
  ) {}

  note(event: string): void {
    this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.counts.size === 0) return;
    this.log.info({ events: Object.fromEntries(this.counts) }, 'client connections closed');
    this.counts.clear();
  }
}

/** Node's answers to a client error it can still answer (what its default `clientError` handler sends). */
function clientErrorResponse(error: { code?: string }): string {
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/** An HTTP server with the timeouts, connection caps and quiet client-error handling above. */
export function createHygienicServer(
  config: HttpConfig,
  log: InfoLogger,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { summaryIntervalMs?: number } = {},
): Server {
  const serverOptions: ServerOptions = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.receiveTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
  };
  const server = createServer(serverOptions, handler);
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.maxConnections = config.maxConnections;
  const events = new ConnectionEvents(log, options.summaryIntervalMs ?? 10_000);
  server.on('close', () => events.flush());

  server.on('drop', () => events.note('maxConnections'));
  const perIp = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    if (config.maxConnectionsPerIp <= 0) return;
    const ip = socket.remoteAddress ?? 'unknown';
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > config.maxConnectionsPerIp) {
      events.note('maxConnectionsPerIp');
      socket.destroy();
      return;
    }
    perIp.set(ip, n);
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  });

  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    events.note(error.code ?? 'clientError');
    // As Node's default handler: answer if nothing was sent on the connection yet, then close it.
    const message = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !message?.headersSent && error.code !== 'ECONNRESET')
      socket.write(clientErrorResponse(error));
    socket.destroy();
  });
  return server;
}
