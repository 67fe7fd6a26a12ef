import { TILE_LAYER_NAMES, TILE_LAYERS, type TileFieldType, type TileLayerName } from './layers.js';

/** A TileJSON 3.0.0 document (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0). */
export interface TileJson {
  tilejson: '3.0.0';
  tiles: string[];
  vector_layers: {
    id: string;
    description: string;
    /** Attribute → `Number` / `String` / `Boolean`, as tippecanoe writes it and GDAL and QGIS read it. */
    fields: Record<string, TileFieldType>;
    /** Attribute → what it means (the spec lets `fields` hold descriptions, but typed fields serve more clients). */
    field_descriptions: Record<string, string>;
    minzoom: number;
    maxzoom: number;
  }[];
  name: string;
  description: string;
  version: string;
  attribution: string;
  scheme: 'xyz';
  minzoom: number;
  maxzoom: number;
  bounds: [number, number, number, number];
  center: [number, number, number];
}

/** The tile query parameters a TileJSON keeps in its tile URL template. */
export interface TileQuery {
  serviceType: string;
  thresholdMinutes?: number;
  scenarioId?: string;
  /** Only points open at this instant (ISO 8601, rounded to the minute). */
  at?: string;
}

/** Inputs for `buildTileJson`. */
export interface TileJsonInput {
  layer: TileLayerName;
  /** Scheme, host and optional path prefix, e.g. `https://atlas.example.org` (no trailing slash needed). */
  baseUrl: string;
  query: TileQuery;
  /** [west, south, east, north] of the data, WGS84 degrees. */
  bounds: [number, number, number, number];
  dataVersion: number;
  /** Source credit; by default "Serviceatlas", plus a demo-data notice when `demoData`. */
  attribution?: string;
  /** Whether the data are generated demo data (said in the attribution so nobody cites it). */
  demoData?: boolean;
}

/** The attribution used when the data source gives none. */
export function defaultAttribution(demoData: boolean): string {
  return demoData
    ? 'Serviceatlas demo — tätorter 2020 and population grid 2025: SCB (CC0); pharmacies, clinics and doctors: ' +
        '© OpenStreetMap contributors (ODbL); other service points: generated demo data, not official statistics'
    : 'Serviceatlas';
}

/** The given attribution, with the demo-data notice appended when it is missing from it. */
function attributionFor(attribution: string | undefined, demoData: boolean): string {
  if (attribution === undefined) return defaultAttribution(demoData);
  return demoData && !/demo/i.test(attribution) ? `${attribution} — generated demo data` : attribution;
}

/**
 * The tile URL template of a layer: absolute, with the query parameters that select the data.
 * @example tileUrlTemplate('http://localhost:4000', 'settlements', { serviceType: 'GROCERY' })
 * // 'http://localhost:4000/tiles/settlements/{z}/{x}/{y}.mvt?serviceType=GROCERY'
 */
export function tileUrlTemplate(baseUrl: string, layer: TileLayerName, query: TileQuery): string {
  const params = new URLSearchParams({ serviceType: query.serviceType });
  if (query.thresholdMinutes !== undefined) params.set('threshold', String(query.thresholdMinutes));
  if (query.scenarioId !== undefined) params.set('scenario', query.scenarioId);
  if (query.at !== undefined) params.set('at', query.at);
  return `${baseUrl.replace(/\/+$/, '')}/tiles/${layer}/{z}/{x}/{y}.mvt?${params.toString()}`;
}

/** Clamps bounds to the Web Mercator range and falls back to the whole world when they are unusable. */
function usableBounds(bounds: readonly number[]): [number, number, number, number] {
  const [w, s, e, n] = bounds;
  const ok = [w, s, e, n].every((v) => typeof v === 'number' && Number.isFinite(v)) && w! <= e! && s! <= n!;
  if (!ok) return [-180, -85.051129, 180, 85.051129];
  const clampLat = (lat: number): number => Math.max(-85.051129, Math.min(85.051129, lat));
  const clampLon = (lon: number): number => Math.max(-180, Math.min(180, lon));
  return [clampLon(w!), clampLat(s!), clampLon(e!), clampLat(n!)];
}

/** A zoom at which `bounds` fits in about 1024 px: a sensible TileJSON `center` zoom. */
function fittingZoom(bounds: [number, number, number, number], minzoom: number, maxzoom: number): number {
  const [w, s, e, n] = bounds;
  const mercY = (lat: number): number => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const spanX = (e - w) / 360;
  const spanY = (mercY(n) - mercY(s)) / (2 * Math.PI);
  const span = Math.max(spanX, spanY, 1e-9);
  const zoom = Math.floor(Math.log2(4 / span));
  return Math.max(minzoom, Math.min(maxzoom, zoom));
}

/**
 * A TileJSON 3.0.0 document for one layer.
 * @example buildTileJson({ layer: 'settlements', baseUrl, query: { serviceType: 'GROCERY' }, bounds, dataVersion: 3 })
 */
export function buildTileJson(input: TileJsonInput): TileJson {
  const spec = TILE_LAYERS[input.layer];
  const bounds = usableBounds(input.bounds);
  const centerZoom = fittingZoom(bounds, spec.minzoom, spec.maxzoom);
  const threshold =
    input.query.thresholdMinutes !== undefined ? `, threshold ${input.query.thresholdMinutes} min` : '';
  const scenario = input.query.scenarioId !== undefined ? `, scenario ${input.query.scenarioId}` : '';
  return {
    tilejson: '3.0.0',
    tiles: [tileUrlTemplate(input.baseUrl, input.layer, input.query)],
    vector_layers: [
      {
        id: spec.id,
        description: spec.description,
        fields: { ...spec.fieldTypes },
        field_descriptions: { ...spec.fields },
        minzoom: spec.minzoom,
        maxzoom: spec.maxzoom,
      },
    ],
    name: `Serviceatlas ${spec.id} (${input.query.serviceType}${threshold}${scenario})`,
    description: spec.description,
    version: `1.0.${Math.max(0, Math.trunc(input.dataVersion) || 0)}`,
    attribution: attributionFor(input.attribution, input.demoData ?? false),
    scheme: 'xyz',
    minzoom: spec.minzoom,
    maxzoom: spec.maxzoom,
    bounds,
    center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, centerZoom],
  };
}

/** `GET /tiles`: every layer with its TileJSON URL, and the service types a request may select. */
export interface TileCatalogue {
  layers: {
    id: TileLayerName;
    description: string;
    geometry: 'point' | 'line' | 'polygon';
    minzoom: number;
    maxzoom: number;
    /** TileJSON of the layer for the default service type; add `?serviceType=CODE` for another. */
    tilejson: string;
    /** The TileJSON URL per service type. */
    tilejsonByServiceType: Record<string, string>;
  }[];
  serviceTypes: string[];
  defaultServiceType: string | null;
}

/**
 * The catalogue of tile layers with absolute TileJSON URLs under `baseUrl`.
 * @example buildTileCatalogue('https://atlas.example.org', ['GROCERY', 'PHARMACY'], 'GROCERY')
 */
export function buildTileCatalogue(
  baseUrl: string,
  serviceTypes: readonly string[],
  defaultServiceType: string | null,
): TileCatalogue {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    layers: TILE_LAYER_NAMES.map((name) => {
      const spec = TILE_LAYERS[name];
      const url = (type: string) =>
        `${base}/tiles/${name}.json?${new URLSearchParams({ serviceType: type })}`;
      return {
        id: name,
        description: spec.description,
        geometry: spec.geometry,
        minzoom: spec.minzoom,
        maxzoom: spec.maxzoom,
        tilejson: defaultServiceType === null ? `${base}/tiles/${name}.json` : url(defaultServiceType),
        tilejsonByServiceType: Object.fromEntries(serviceTypes.map((t) => [t, url(t)])),
      };
    }),
    serviceTypes: [...serviceTypes],
    defaultServiceType,
  };
}
