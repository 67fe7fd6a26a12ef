/**
 * Connection hygiene for the HTTP server (issue 19: ~20,000 connections sending a byte every 10 s
 * exhausted the file descriptors, and releasing them logged 19,858 error lines with stacks):
 * - headers must arrive within headersTimeoutMs, a whole request within receiveTimeoutMs, an idle
 *   keep-alive connection is closed after keepAliveTimeoutMs (Node checks them every second, not every 30);
 * - at most maxConnections open connections, and at most maxConnectionsPerIp from one client address
 *   (0 = no per-address cap; behind a reverse proxy every client shares the proxy's address);
 * - eviction, so a flood of slow connections cannot keep a new client out until the header timeout
 *   (3,000 slow connections from 30 addresses had 197 of 543 probes refused): a connection is "waiting" while
 *   no request of it is being handled (its headers not complete yet, or idle between keep-alive requests).
 *   At most maxWaitingPerIp waiting connections per address: one more closes that address's oldest waiting
 *   one. A new connection over maxConnections closes the oldest waiting connection anywhere instead of being
 *   refused; it is refused only when every open connection has a request in progress.
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
  /** Connections still sending headers (or idle) per address; one more evicts the oldest (0 = no cap). */
  maxWaitingPerIp: number;
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
  // No server.maxConnections: Node would refuse the new connection; the cap is kept below, by eviction.
  const events = new ConnectionEvents(log, options.summaryIntervalMs ?? 10_000);
  server.on('close', () => events.flush());

  const perIp = new Map<string, number>();
  const waiting = new WaitingConnections();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    if (config.maxConnectionsPerIp > 0 && (perIp.get(ip) ?? 0) >= config.maxConnectionsPerIp) {
      events.note('maxConnectionsPerIp');
      socket.destroy();
      return;
    }
    if (open >= config.maxConnections) {
      // The oldest connection still waiting (a slow sender's) makes room; refused only when none waits.
      const oldest = waiting.oldest();
      if (!oldest) {
        events.note('maxConnections');
        socket.destroy();
        return;
      }
      events.note('evictedWaiting');
      waiting.remove(oldest);
      oldest.destroy();
    }
    if (config.maxWaitingPerIp > 0 && waiting.countOf(ip) >= config.maxWaitingPerIp) {
      const oldest = waiting.oldestOf(ip);
      if (oldest) {
        events.note('evictedWaitingPerIp');
        waiting.remove(oldest);
        oldest.destroy();
      }
    }
    open++;
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    waiting.add(socket, ip);
    socket.once('close', () => {
      open--;
      waiting.remove(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
  });
  // A connection with a request in progress is not evicted; once its response is done it waits again
  // (the keep-alive idle time), at the back of the line.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const ip = waiting.ipOf(socket);
    if (ip === undefined) return;
    waiting.remove(socket);
    const after = () => {
      if (!socket.destroyed) waiting.add(socket, ip);
    };
    res.once('finish', after);
    res.once('close', () => {
      res.off('finish', after);
      if (!socket.destroyed && !waiting.has(socket)) waiting.add(socket, ip);
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

/**
 * The connections with no request in progress, oldest first (a Map keeps insertion order, so the oldest is
 * its first entry and every operation is O(1)), overall and per address.
 */
class WaitingConnections {
  private all = new Map<Socket, string>();
  private byIp = new Map<string, Set<Socket>>();
  /** Every connection seen, waiting or not, with its address (for the request handler). */
  private ips = new WeakMap<Socket, string>();

  add(socket: Socket, ip: string): void {
    this.ips.set(socket, ip);
    if (this.all.has(socket)) return;
    this.all.set(socket, ip);
    let set = this.byIp.get(ip);
    if (!set) {
      set = new Set();
      this.byIp.set(ip, set);
    }
    set.add(socket);
  }

  remove(socket: Socket): void {
    const ip = this.all.get(socket);
    if (ip === undefined) return;
    this.all.delete(socket);
    const set = this.byIp.get(ip);
    set?.delete(socket);
    if (set?.size === 0) this.byIp.delete(ip);
  }

  has(socket: Socket): boolean {
    return this.all.has(socket);
  }

  ipOf(socket: Socket): string | undefined {
    return this.ips.get(socket);
  }

  oldest(): Socket | undefined {
    return this.all.keys().next().value;
  }

  oldestOf(ip: string): Socket | undefined {
    return this.byIp.get(ip)?.values().next().value;
  }

  countOf(ip: string): number {
    return this.byIp.get(ip)?.size ?? 0;
  }
}
