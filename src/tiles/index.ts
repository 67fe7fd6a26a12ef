/**
 * Map layers for frontends: GeoJSON layer builders, H3 aggregation, vector tiles with caching, TileJSON,
 * and the framework-independent HTTP handlers for `/tiles/…` and the demo page.
 */
export { clearStaticCache, handleStatic, STATIC_PATHS } from './demo-page.js';
export { type HexFeatureProperties, hexAggregate, hexResolutionForZoom, MAX_HEX_RESOLUTION } from './hex.js';
export type { PlainRequest, PlainResponse } from './http.js';
export { toPlainRequest, writePlainResponse } from './node-http.js';
export {
  ACCESS_CLASSES,
  type AccessClass,
  type AreaFeatureProperties,
  type AreaIndicatorValues,
  type AreaInput,
  accessClassOf,
  areaFeatures,
  type ServiceAreaFeatureProperties,
  type ServicePointFeatureProperties,
  type SettlementAccessInput,
  type SettlementFeatureProperties,
  serviceAreaFeatures,
  servicePointFeatures,
  settlementFeatures,
} from './layer-features.js';
export {
  isTileLayerName,
  TILE_LAYER_NAMES,
  TILE_LAYERS,
  type TileLayerName,
  type TileLayerSpec,
} from './layers.js';
export {
  buildTileIndex,
  type EncodeTileOptions,
  encodeEmptyTile,
  encodeTile,
  INDEX_MAX_ZOOM,
  isValidTile,
  MAX_SERVED_ZOOM,
  TILE_EXTENT,
  thinCellSize,
  type TileIndex,
  type TileIndexOptions,
} from './mvt.js';
export {
  handleTileRequest,
  MAX_THRESHOLD_MINUTES,
  type TileDataSource,
  type TileLayerParams,
  type TileRouteOptions,
  tileCacheFor,
} from './routes.js';
export {
  type CachedTile,
  type TileCacheOptions,
  type TileCacheStats,
  TileLayerCache,
  type TileLayerKey,
} from './tile-cache.js';
export {
  buildTileJson,
  defaultAttribution,
  type TileJson,
  type TileQuery,
  tileUrlTemplate,
} from './tilejson.js';
