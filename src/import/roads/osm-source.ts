/**
 * Two streamed passes over an OpenStreetMap file, for road imports: one for the ways, one for the
 * coordinates of the nodes they use. When a PBF turns out to be in type order (nodes, ways, relations)
 * the node pass stops at the first way; XML files (small; Overpass output need not be in that order)
 * are read whole in both passes. `.osm.pbf` is cut into blocks by
 * osm-pbf.ts (within the format's limits) and decoded by `osm-pbf-parser-node` (block by block); `.osm`, `.osm.gz` and `.osm.bz2` by the
 * streaming XML tokenizer that also reads service points.
 */
import { ImportError } from '../errors.js';
import type { ProgressReporter } from '../progress.js';
import { type XmlElementEvent, xmlElements } from '../read-osm.js';
import { OsmPbfBlocks } from '../osm-pbf.js';
import { fileSize, openDecompressed, readTextChunks } from '../source.js';

/** A way as the way pass sees it; `line` is its XML line (null in PBF). */
export interface OsmWay {
  id: number;
  refs: readonly number[];
  tags: Readonly<Record<string, string>>;
  line: number | null;
}

/** Where a node came from, for error messages: its XML line, or null in PBF. */
export type OnNode = (id: number, lon: number, lat: number, line: number | null) => void;

export interface OsmPasses {
  readonly format: 'osm' | 'pbf';
  ways(onWay: (way: OsmWay) => void, progress: ProgressReporter): Promise<void>;
  nodes(onNode: OnNode, progress: ProgressReporter): Promise<void>;
}

interface PbfItem {
  type?: 'node' | 'way' | 'relation';
  id: number;
  lat?: number;
  lon?: number;
  refs?: number[];
  tags?: Record<string, string>;
}

/** Streams PBF items until `visit` returns false. */
async function eachPbfItem(
  file: string,
  withTags: { node: boolean; way: boolean; relation: boolean },
  progress: ProgressReporter,
  visit: (item: PbfItem) => boolean,
): Promise<void> {
  progress.start(fileSize(file));
  const bytes = openDecompressed(file, (n) => progress.tick(n));
  const items = bytes.pipe(new OsmPbfBlocks(file, withTags));
  bytes.on('error', (error) => items.destroy(error));
  try {
    outer: for await (const chunk of items as AsyncIterable<PbfItem[]>) {
      for (const item of chunk) if (!visit(item)) break outer;
    }
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(`cannot read the file as OSM PBF: ${(error as Error).message}`, { file });
  } finally {
    items.destroy();
    bytes.destroy();
    progress.stop();
  }
}

/**
 * PBF passes. The ways pass reads the whole file and notes whether every node came before every way
 * (osmium and Geofabrik write type order, though their headers rarely declare `Sort.Type_then_ID`); only
 * then does the nodes pass stop at the first way, skipping most of the file's way and relation blocks.
 */
export function pbfPasses(file: string): OsmPasses {
  let typeOrdered = false;
  return {
    format: 'pbf',
    async ways(onWay, progress) {
      let sawWay = false;
      let nodeAfterWay = false;
      await eachPbfItem(file, { node: false, way: true, relation: false }, progress, (item) => {
        if (item.type === 'way') {
          sawWay = true;
          onWay({ id: item.id, refs: item.refs ?? [], tags: item.tags ?? {}, line: null });
        } else if (item.type === 'node' && sawWay) nodeAfterWay = true;
        return true;
      });
      typeOrdered = !nodeAfterWay;
    },
    nodes: (onNode, progress) =>
      eachPbfItem(file, { node: false, way: false, relation: false }, progress, (item) => {
        if (item.type === 'way' || item.type === 'relation') return !typeOrdered;
        if (item.type === 'node') onNode(item.id, item.lon!, item.lat!, null);
        return true;
      }),
  };
}

/** Streams XML element events of an OSM file, checking the root; `visit` returning false stops. */
async function eachXmlEvent(
  file: string,
  progress: ProgressReporter,
  visit: (event: XmlElementEvent) => boolean,
): Promise<void> {
  progress.start(fileSize(file));
  let sawRoot = false;
  try {
    for await (const event of xmlElements(readTextChunks(file, progress), file)) {
      if (!sawRoot) {
        if (event.name !== 'osm')
          throw new ImportError(`not an OSM XML file (root element <${event.name}>, expected <osm>)`, {
            file,
            line: event.line,
          });
        sawRoot = true;
        continue;
      }
      if (!visit(event)) break;
    }
  } finally {
    progress.stop();
  }
  if (!sawRoot) throw new ImportError('the file is empty (expected OSM XML)', { file });
}

const deletedElement = (a: Record<string, string>) => a.action === 'delete' || a.visible === 'false';

export function xmlPasses(file: string): OsmPasses {
  return {
    format: 'osm',
    async ways(onWay, progress) {
      let way: {
        id: number;
        refs: number[];
        tags: Record<string, string>;
        line: number;
        deleted: boolean;
      } | null = null;
      await eachXmlEvent(file, progress, ({ kind, name, attributes, line }) => {
        if (name === 'way' && kind !== 'close') {
          const id = Number(attributes.id);
          if (!Number.isSafeInteger(id))
            throw new ImportError(`way without a valid id (${JSON.stringify(attributes.id)})`, {
              file,
              line,
            });
          way = { id, refs: [], tags: {}, line, deleted: deletedElement(attributes) };
        } else if (way !== null && kind !== 'close' && name === 'nd') {
          const ref = Number(attributes.ref);
          if (!Number.isSafeInteger(ref))
            throw new ImportError(`<nd> without a valid ref (${JSON.stringify(attributes.ref)})`, {
              file,
              line,
            });
          way.refs.push(ref);
        } else if (way !== null && kind !== 'close' && name === 'tag') {
          if (attributes.k !== undefined) way.tags[attributes.k] = attributes.v ?? '';
        }
        if (way !== null && name === 'way' && kind !== 'open') {
          const done: {
            id: number;
            refs: number[];
            tags: Record<string, string>;
            line: number;
            deleted: boolean;
          } = way;
          way = null;
          if (!done.deleted) onWay(done);
        }
        return true;
      });
    },
    async nodes(onNode, progress) {
      await eachXmlEvent(file, progress, ({ kind, name, attributes, line }) => {
        if (name !== 'node' || kind === 'close' || deletedElement(attributes)) return true;
        const id = Number(attributes.id);
        const lon = Number(attributes.lon);
        const lat = Number(attributes.lat);
        if (!Number.isSafeInteger(id))
          throw new ImportError(`node without a valid id (${JSON.stringify(attributes.id)})`, { file, line });
        onNode(
          id,
          attributes.lon === undefined ? Number.NaN : lon,
          attributes.lat === undefined ? Number.NaN : lat,
          line,
        );
        return true;
      });
    },
  };
}
