/**
 * The URL of a request target: a path (origin-form), whatever it holds — `//` and `//x` are paths here,
 * not protocol-relative URLs, which `new URL(target, base)` would take them for (and throw on `//`) —
 * or an absolute URL (absolute-form, as sent to proxies). Null for anything else (`*`, garbage).
 */
export function requestUrl(target: string | undefined): URL | null {
  const t = target ?? '/';
  try {
    return t.startsWith('/') ? new URL(`http://localhost${t}`) : new URL(t);
  } catch {
    return null;
  }
}
