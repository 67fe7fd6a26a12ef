/**
 * OSM XML reader (`.osm`, `.osm.gz`) for service points: nodes, and ways reduced to the centroid of
 * their nodes, whose tags match the table in osm-tags.ts. No XML parser is installed, so this is a
 * small streaming tokenizer for OSM's very regular XML: start/end/empty elements with quoted
 * attributes, the five named entities and numeric character references, `<?…?>`, comments and
 * `<!…>` skipped. It does not handle CDATA sections or DTD-declared entities (OSM never emits them).
 * Relations (multipolygon amenities) are skipped and counted: their geometry needs member ways.
 */
import { ImportError } from './errors.js';
import { importLimits } from './limits.js';
import { IMPORT_FIELDS } from './field-map.js';
import { osmServiceTypes } from './osm-tags.js';
import type { ProgressReporter } from './progress.js';
import type { PointGeometry, RawRecord, RecordRejection } from './record.js';
import { assertUtf8, fileSize, readTextChunks } from './source.js';

const ELEMENT = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const ENTITY = /&(#[xX][0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** A character reference that names no character XML allows (`&#x110000;`, `&#0;`, a surrogate). */
class BadCharacterReference extends Error {}

/** Whether XML 1.0 allows the code point (its `Char` production). */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, entity: string) => {
    if (!entity.startsWith('#')) return NAMED_ENTITIES[entity]!;
    const hex = entity[1] === 'x' || entity[1] === 'X';
    const cp = Number.parseInt(entity.slice(hex ? 2 : 1), hex ? 16 : 10);
    if (!isXmlChar(cp)) throw new BadCharacterReference(whole);
    return String.fromCodePoint(cp);
  });
}

function parseAttributes(text: string, file: string, line: number, element: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of text.matchAll(ATTRIBUTE)) {
    try {
      attributes[match[1]!] = decodeEntities(match[2] ?? match[3] ?? '');
    } catch (error) {
      if (!(error instanceof BadCharacterReference)) throw error;
      const field = element === 'tag' && match[1] === 'v' ? (attributes.k ?? 'v') : match[1]!;
      throw new ImportError(
        `not valid OSM XML: the character reference ${error.message} names no character XML allows`,
        { file, line, field },
      );
    }
  }
  return attributes;
}

/** One XML element event, with the line its `<` is on. */
export interface XmlElementEvent {
  kind: 'open' | 'close' | 'empty';
  name: string;
  attributes: Record<string, string>;
  line: number;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Tokenizes streamed XML text into element events (text content is ignored: OSM has none). */
export async function* xmlElements(
  chunks: AsyncIterable<string>,
  file: string,
): AsyncGenerator<XmlElementEvent> {
  let buffer = '';
  let line = 1;
  // A tag longer than this without its closing `>` is malformed rather than waited for (limits.ts).
  const maxTagLength = importLimits().maxRecordBytes;
  const malformed = (message: string): ImportError =>
    new ImportError(`not valid OSM XML: ${message}`, { file, line });
  for await (const chunk of chunks) {
    assertUtf8(chunk, { file, line });
    buffer += chunk;
    let position = 0;
    for (;;) {
      const lt = buffer.indexOf('<', position);
      if (lt < 0) {
        line += countNewlines(buffer, position, buffer.length);
        position = buffer.length;
        break;
      }
      line += countNewlines(buffer, position, lt);
      position = lt;
      const special = buffer.startsWith('<?', lt)
        ? '?>'
        : buffer.startsWith('<!--', lt)
          ? '-->'
          : buffer.startsWith('<!', lt)
            ? '>'
            : null;
      if (special !== null) {
        const end = buffer.indexOf(special, lt);
        if (end < 0) break;
        line += countNewlines(buffer, lt, end);
        position = end + special.length;
        continue;
      }
      ELEMENT.lastIndex = lt;
      const match = ELEMENT.exec(buffer);
      if (match === null) {
        if (buffer.length - lt > maxTagLength)
          throw malformed(
            `a tag longer than ${maxTagLength} characters (SERVICEATLAS_IMPORT_MAX_RECORD_KB=` +
              `${maxTagLength / 1024}) ${JSON.stringify(buffer.slice(lt, lt + 60))}…`,
          );
        if (buffer.indexOf('<', lt + 1) >= 0) {
          throw malformed(`unreadable tag ${JSON.stringify(buffer.slice(lt, lt + 60))}`);
        }
        break;
      }
      const [text, slash, name, attributeText, selfClosing] = match;
      yield {
        kind: slash ? 'close' : selfClosing ? 'empty' : 'open',
        name: name!,
        attributes: parseAttributes(attributeText!, file, line, name!),
        line,
      };
      line += countNewlines(text, 0, text.length);
      position = lt + text.length;
    }
    buffer = buffer.slice(position);
  }
  if (buffer.trim() !== '')
    throw malformed(`the file ends inside a tag ${JSON.stringify(buffer.trim().slice(0, 60))}`);
}

/** Node coordinates by id, in a flat Float64Array (cheaper than a Map of tuples). */
class NodeCoordinates {
  private readonly index = new Map<number, number>();
  private coords = new Float64Array(1 << 16);
  private size = 0;

  set(id: number, lon: number, lat: number): void {
    if (this.size * 2 + 2 > this.coords.length) {
      const grown = new Float64Array(this.coords.length * 2);
      grown.set(this.coords);
      this.coords = grown;
    }
    this.index.set(id, this.size);
    this.coords[this.size * 2] = lon;
    this.coords[this.size * 2 + 1] = lat;
    this.size++;
  }

  get(id: number): [number, number] | null {
    const i = this.index.get(id);
    return i === undefined ? null : [this.coords[i * 2]!, this.coords[i * 2 + 1]!];
  }
}

interface OsmElement {
  type: 'node' | 'way' | 'relation';
  id: string;
  line: number;
  tags: Record<string, string>;
  refs: number[];
  lonLat: [number, number] | null;
  deleted: boolean;
}

const OUR_FIELDS = IMPORT_FIELDS['service-points'];

/** A service point's properties from OSM tags: the tags, with our fields set from them. */
export function osmProperties(
  type: OsmElement['type'],
  id: string,
  tags: Readonly<Record<string, string>>,
  serviceTypes: readonly string[],
): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...tags };
  for (const field of OUR_FIELDS) delete properties[field];
  const name = tags.name ?? tags['name:sv'] ?? tags.brand;
  if (name !== undefined) properties.name = name;
  properties.serviceTypes = [...serviceTypes];
  if (tags.operator !== undefined) properties.operator = tags.operator;
  if (tags.opening_hours !== undefined) properties.openingHours = tags.opening_hours;
  // OSM capacity is free text ("50-60"); only a plain integer is passed on, so one odd tag cannot block an import.
  if (tags.capacity !== undefined && /^\d+$/.test(tags.capacity)) properties.capacity = tags.capacity;
  properties.externalId = `osm:${type}/${id}`;
  return properties;
}

/** Mean of a way's node positions (the closing node of a closed way counted once); null if none is known. */
function wayCentroid(refs: readonly number[], nodes: NodeCoordinates): [number, number] | null {
  const unique = refs.length > 1 && refs[0] === refs[refs.length - 1] ? refs.slice(0, -1) : refs;
  let sumX = 0;
  let sumY = 0;
  let count = 0;
  for (const ref of unique) {
    const position = nodes.get(ref);
    if (position === null) continue;
    sumX += position[0];
    sumY += position[1];
    count++;
  }
  return count === 0 ? null : [sumX / count, sumY / count];
}

function toRecord(element: OsmElement, nodes: NodeCoordinates): RawRecord | null {
  if (element.deleted) return null;
  const serviceTypes = osmServiceTypes(element.tags);
  if (serviceTypes.length === 0) return null;
  let geometry: PointGeometry | null = null;
  let rejection: RecordRejection | undefined;
  if (element.type === 'node') {
    if (element.lonLat) geometry = { type: 'Point', coordinates: element.lonLat };
    else rejection = { kind: 'error', field: 'geometry', message: `node ${element.id} has no valid lat/lon` };
  } else if (element.type === 'way') {
    const centroid = wayCentroid(element.refs, nodes);
    if (centroid) geometry = { type: 'Point', coordinates: centroid };
    else rejection = { kind: 'skip', field: null, message: 'OSM way without any of its nodes in the file' };
  } else {
    rejection = {
      kind: 'skip',
      field: null,
      message: 'OSM relation (not supported; map the service as a node or way)',
    };
  }
  const record: RawRecord = {
    format: 'osm',
    position: { line: element.line, featureIndex: null },
    properties: osmProperties(element.type, element.id, element.tags, serviceTypes),
    geometry,
  };
  if (rejection) record.rejection = rejection;
  return record;
}

/** Streams an OSM XML file's service points (nodes and ways whose tags match) as raw records. */
export async function* readOsmRecords(
  file: string,
  progress: ProgressReporter,
  path = file,
): AsyncGenerator<RawRecord> {
  progress.start(fileSize(file, path));
  const nodes = new NodeCoordinates();
  let current: OsmElement | null = null;
  let sawRoot = false;
  for await (const event of xmlElements(readTextChunks(file, progress, path), file)) {
    if (!sawRoot) {
      if (event.name !== 'osm') {
        throw new ImportError(`not an OSM XML file (root element <${event.name}>, expected <osm>)`, {
          file,
          line: event.line,
        });
      }
      sawRoot = true;
      continue;
    }
    const { kind, name, attributes } = event;
    if (kind !== 'close' && (name === 'node' || name === 'way' || name === 'relation')) {
      const id = attributes.id ?? '';
      const deleted = attributes.action === 'delete' || attributes.visible === 'false';
      const lon = Number(attributes.lon);
      const lat = Number(attributes.lat);
      const lonLat: [number, number] | null =
        name === 'node' &&
        attributes.lon !== undefined &&
        attributes.lat !== undefined &&
        Number.isFinite(lon) &&
        Number.isFinite(lat)
          ? [lon, lat]
          : null;
      if (lonLat && !deleted && /^-?\d+$/.test(id)) nodes.set(Number(id), lon, lat);
      current = { type: name, id, line: event.line, tags: {}, refs: [], lonLat, deleted };
    } else if (current !== null && name === 'tag' && kind !== 'close') {
      if (attributes.k !== undefined) current.tags[attributes.k] = attributes.v ?? '';
    } else if (current !== null && name === 'nd' && kind !== 'close') {
      const ref = Number(attributes.ref);
      if (Number.isFinite(ref)) current.refs.push(ref);
    }
    if (current !== null && current.type === name && kind !== 'open') {
      const record = toRecord(current, nodes);
      current = null;
      if (record) yield record;
    }
  }
  if (!sawRoot) throw new ImportError('the file is empty (expected OSM XML)', { file });
}
