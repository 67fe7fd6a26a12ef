import type { FeatureCollection } from 'geojson';
import type { TileLayerName } from '../../tiles/layers.js';
import { defaultAttribution } from '../../tiles/tilejson.js';
import type { TileDataSource, TileLayerParams } from '../../tiles/routes.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { MapLayers } from './map-layers.js';
import { readRoadNetworkInfo } from '../roads/road.repository.js';
import { eServiceTargetFeatures } from '../eservice/eservice-tiles.js';

/**
 * The `/tiles` routes' data source over one analysis snapshot: the data version, the offered service
 * types, the bounds and every layer's features all come from the same snapshot, so an ETag (which names
 * the data version) always matches the tile's content. `tileSourceFor` gives the source of the current
 * data version; the features are memoised per snapshot by MapLayers, so tiles never recompute a layer.
 */
export class SnapshotTileSource implements TileDataSource {
  readonly #codes: string[];
  readonly #demo: boolean;
  readonly #attribution: string;
  #networkCredit: Promise<string> | undefined;

  constructor(
    readonly layers: MapLayers,
    readonly snapshot: AnalysisSnapshot,
  ) {
    this.#codes = snapshot.catalogue.map((t) => t.code);
    this.#demo = snapshot.openPoints.some((p) => p.generated);
    this.#attribution = this.#demo ? defaultAttribution(true) : creditFor(snapshot);
  }

  /**
   * TileJSON's attribution: the demo's notice, or the credit its records' sources ask for (ODbL); the
   * road network's layer credits the roads' own source (see networkCredit).
   */
  attribution(layer?: TileLayerName): string | Promise<string> {
    if (layer === 'network-edges') {
      this.#networkCredit ??= readRoadNetworkInfo(this.layers.services.db).then(networkCredit);
      return this.#networkCredit;
    }
    return this.#attribution;
  }

  /** The version of the data the snapshot was loaded from (the server's data_version counter). */
  dataVersion(): number {
    return this.snapshot.version;
  }

  /** A layer's features; with `scenarioId`, as the saved scenario leaves the data (see MapLayers.scenario). */
  async layerFeatures(layer: TileLayerName, params: TileLayerParams): Promise<FeatureCollection> {
    const { layers } = this;
    // The roads as loaded: no service type, threshold, scenario or time changes them.
    if (layer === 'network-edges') return layers.networkEdges(this.snapshot);
    const code = params.serviceType;
    let snapshot = params.at !== undefined ? this.snapshot.openAt(new Date(params.at)) : this.snapshot;
    let threshold = params.thresholdMinutes;
    if (params.scenarioId !== undefined) {
      const scenario = await layers.scenario(snapshot, params.scenarioId);
      // The routes answer 404 for an unknown scenario before asking for features.
      if (scenario === null) throw new Error(`no scenario ${params.scenarioId}`);
      snapshot = scenario.snapshot;
      threshold ??= scenario.thresholdMinutes[code];
    }
    switch (layer) {
      case 'settlements':
        return layers.settlements(snapshot, code, threshold);
      case 'service-points':
        return layers.servicePoints(snapshot, code);
      case 'access-hex':
        return layers.accessHex(snapshot, code, threshold, params.z);
      case 'areas':
        return layers.areas(snapshot, code, threshold);
      case 'service-areas':
        return layers.serviceAreas(snapshot, code, threshold);
      case 'grid':
        return layers.gridPoints(snapshot, code, threshold);
      case 'eservice-targets':
        return eServiceTargetFeatures(layers, snapshot, code, threshold);
    }
  }

  async bounds(): Promise<[number, number, number, number]> {
    return this.layers.bounds(this.snapshot);
  }

  serviceTypes(): string[] {
    return this.#codes;
  }

  /** True when any open service point is generated demo data (TileJSON's attribution then says so). */
  isDemoData(): boolean {
    return this.#demo;
  }
}

const OSM = /OpenStreetMap/i;

/**
 * The map's credit for data without generated points: OpenStreetMap's (ODbL 1.0 asks for it wherever
 * the data are shown) when any settlement or open point came from it, else the default.
 */
function creditFor(snapshot: AnalysisSnapshot): string {
  const points = snapshot.openPoints;
  const settlements = snapshot.settlements;
  const osm =
    points.filter((p) => OSM.test(p.source)).length + settlements.filter((s) => OSM.test(s.source)).length;
  if (osm === 0) return defaultAttribution(false);
  const all = osm === points.length + settlements.length;
  return `Serviceatlas — data © OpenStreetMap contributors (ODbL 1.0)${all ? '' : ' and other sources (each record’s source)'}`;
}

/**
 * The road network layer's credit: OpenStreetMap's (ODbL 1.0 asks for it wherever the roads are shown)
 * when the roads came from OpenStreetMap (their recorded source or an .osm/.osm.pbf file), else their
 * recorded source; "Serviceatlas" when no network is loaded.
 */
export function networkCredit(info: { source: string; file: string } | null): string {
  if (info === null) return 'Serviceatlas';
  if (OSM.test(info.source) || /\.osm(\.pbf)?$/i.test(info.file))
    return 'Roads © OpenStreetMap contributors (ODbL 1.0)';
  return `Roads: ${info.source}`;
}

const sources = new WeakMap<AnalysisSnapshot, SnapshotTileSource>();

/** The tile source of the current data version (one version query; a snapshot reload only after writes). */
export async function tileSourceFor(layers: MapLayers): Promise<SnapshotTileSource> {
  const snapshot = await layers.services.deps().snapshot();
  let source = sources.get(snapshot);
  if (source === undefined) {
    source = new SnapshotTileSource(layers, snapshot);
    sources.set(snapshot, source);
  }
  return source;
}
