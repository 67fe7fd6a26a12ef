/** The plain HTML view of the OGC API resources (`f=html`, or a browser's Accept). */

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

function page(title: string, body: string, links: readonly Link[]): string {
  const nav = links
    .filter((l) => l.rel !== 'self' && l.type !== 'text/html')
    .map(
      (l) =>
        `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.title ?? l.rel)}</a> <small>(${escapeHtml(l.rel)})</small></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Serviceatlas OGC API</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;max-width:70rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}code{background:#f4f4f4;padding:0 .2rem}</style>
</head><body><p><a href="/ogc?f=html">Serviceatlas OGC API – Features</a></p><h1>${escapeHtml(title)}</h1>
${body}
${nav ? `<h2>Links</h2><ul>${nav}</ul>` : ''}
</body></html>`;
}

function table(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (rows.length === 0) return '<p>None.</p>';
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c])}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function cell(v: unknown): string {
  if (v !== null && typeof v === 'object' && 'html' in (v as object)) return (v as { html: string }).html;
  return escapeHtml(v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : v);
}

const anchor = (href: string, text: string) => ({
  html: `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`,
});

/** HTML of a JSON resource, by kind. */
export function renderHtml(
  kind: string,
  doc: Record<string, unknown>,
  withHtml: (href: string) => string,
): string {
  const links = (doc.links as Link[] | undefined) ?? [];
  switch (kind) {
    case 'landing':
      return page(
        String(doc.title),
        `<p>${escapeHtml(doc.description)}</p>`,
        links.map((l) => ({
          ...l,
          href: l.type === 'application/vnd.oai.openapi+json;version=3.0' ? l.href : withHtml(l.href),
        })),
      );
    case 'conformance':
      return page(
        'Conformance classes',
        `<ul>${(doc.conformsTo as string[]).map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ul>`,
        [],
      );
    case 'collections': {
      const rows = (doc.collections as Record<string, unknown>[]).map((c) => ({
        collection: anchor(
          withHtml(`${String((c.links as Link[]).find((l) => l.rel === 'self')?.href)}`),
          String(c.id),
        ),
        title: c.title,
        description: c.description,
      }));
      return page('Collections', table(rows), []);
    }
    case 'collection': {
      const items = links.find((l) => l.rel === 'items')?.href ?? '';
      const body = `<p>${escapeHtml(doc.description)}</p><p>${cell(anchor(withHtml(items), 'Browse the features'))}</p>
<p>Coordinate reference systems: ${(doc.crs as string[]).map((c) => `<code>${escapeHtml(c)}</code>`).join(', ')}</p>`;
      return page(
        String(doc.title),
        body,
        links.map((l) => ({ ...l, href: withHtml(l.href) })),
      );
    }
    case 'schema': {
      const props = (doc.properties as Record<string, Record<string, unknown>>) ?? {};
      const rows = Object.entries(props).map(([name, s]) => ({
        name,
        type: s.type ?? s.format ?? (s.$ref ? 'geometry' : ''),
        title: s.title,
      }));
      return page(String(doc.title ?? 'Queryables'), table(rows, ['name', 'type', 'title']), []);
    }
    case 'items': {
      const features = doc.features as { id: unknown; properties: Record<string, unknown> | null }[];
      const self = links.find((l) => l.rel === 'self')?.href ?? '';
      const base = self.split('?')[0]!;
      const rows = features.map((f) => ({
        id: anchor(withHtml(`${base}/${encodeURIComponent(String(f.id))}`), String(f.id)),
        ...(f.properties ?? {}),
      }));
      const body = `<p>${escapeHtml(doc.numberReturned)} of ${escapeHtml(doc.numberMatched)} features.</p>${table(rows)}`;
      return page(
        'Features',
        body,
        links.filter((l) => l.rel !== 'alternate').map((l) => ({ ...l, href: withHtml(l.href) })),
      );
    }
    case 'feature': {
      const props = (doc.properties as Record<string, unknown> | null) ?? {};
      const rows = Object.entries(props).map(([name, value]) => ({ name, value }));
      const geometry = `<p>Geometry: <code>${escapeHtml(JSON.stringify(doc.geometry).slice(0, 400))}</code></p>`;
      return page(
        `Feature ${String(doc.id)}`,
        table(rows, ['name', 'value']) + geometry,
        links.filter((l) => l.rel !== 'alternate').map((l) => ({ ...l, href: withHtml(l.href) })),
      );
    }
    default:
      return page(kind, `<pre>${escapeHtml(JSON.stringify(doc, null, 2))}</pre>`, []);
  }
}
