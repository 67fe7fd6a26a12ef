import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';

/** A host name or IPv4/IPv6 literal with an optional port; anything else in Host is refused. */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const first = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim().toLowerCase();

/** Whether a Host value may appear in URLs we hand out: well formed and allowed by the configuration. */
function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  if (!HOST.test(host)) return false;
  const name = host.replace(/:\d+$/, '');
  if (allowedHosts.length === 0) return LOOPBACK.has(name);
  return allowedHosts.includes(host) || allowedHosts.includes(name);
}

/**
 * The base URL of absolute links we hand out (TileJSON `tiles`, the /tiles catalogue). In order:
 * SERVICEATLAS_PUBLIC_URL; X-Forwarded-Proto/-Host when SERVICEATLAS_TRUST_PROXY=on and the host is
 * allowed; the Host header when allowed (SERVICEATLAS_ALLOWED_HOSTS, loopback names by default); else
 * `http://localhost:<port>`. A Host header is never echoed unchecked: a response naming an attacker's
 * host, once in a shared cache, would send every map client there.
 */
export function publicBaseUrl(req: IncomingMessage, config: Config): string {
  if (config.publicUrl !== undefined) return config.publicUrl;
  const fallback = `http://localhost:${req.socket.localPort ?? config.port}`;
  const forwarded = config.trustProxy;
  const host = (forwarded ? first(req.headers['x-forwarded-host']) : undefined) ?? first(req.headers.host);
  const proto = (forwarded ? first(req.headers['x-forwarded-proto']) : undefined) ?? 'http';
  if (host === undefined || (proto !== 'http' && proto !== 'https')) return fallback;
  return hostAllowed(host, config.allowedHosts) ? `${proto}://${host}` : fallback;
}
