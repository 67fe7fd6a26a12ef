/**
 * Graceful stop for the HTTP server: stop accepting, let the requests in flight finish (bounded), then
 * close what is left. The database is closed by the caller afterwards, so no request loses it mid-way.
 */
import type { Server } from 'node:http';

export interface Drainer {
  /** Requests received and not yet answered. */
  inFlight(): number;
  /**
   * Stops accepting connections and resolves when every request in flight has been answered, or after
   * `timeoutMs` (then the remaining connections are cut). `force()` cuts them at once.
   */
  close(timeoutMs: number): Promise<{ forced: boolean; unfinished: number }>;
  force(): void;
}

export function trackRequests(server: Server): Drainer {
  let inFlight = 0;
  let closing = false;
  let settle: (() => void) | null = null;

  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (!closing) return;
      // Keep-alive sockets that just went idle would otherwise hold close() until their timeout.
      server.closeIdleConnections();
      if (inFlight === 0) settle?.();
    });
  });

  return {
    inFlight: () => inFlight,
    force() {
      settle?.();
    },
    async close(timeoutMs) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let forced = false;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          settle = resolve;
          timer = setTimeout(() => {
            forced = true;
            resolve();
          }, timeoutMs);
        });
        clearTimeout(timer);
        if (inFlight > 0) forced = true;
      }
      const unfinished = inFlight;
      server.closeAllConnections();
      await closed;
      return { forced, unfinished };
    },
  };
}
