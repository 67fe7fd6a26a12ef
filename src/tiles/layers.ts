import { hexResolutionForZoom } from './hex.js';

/**
 * The vector-tile layers Serviceatlas serves, with what TileJSON says about them and how they are
 * tiled. One MVT layer per tile, named like the layer (`settlements`, `access-hex`, …).
 */

/** The names of the tile layers, as they appear in `/tiles/{layer}/…`. */
export type TileLayerName =
  | 'settlements'
  | 'service-points'
  | 'access-hex'
  | 'areas'
  | 'service-areas'
  | 'grid'
  | 'eservice-targets'
  | 'network-edges';

/**
 * An attribute's type as tippecanoe writes it in `vector_layers[].fields`; GDAL's MVT driver and QGIS
 * read these words to type columns (anything else becomes a string column).
 */
export type TileFieldType = 'Number' | 'String' | 'Boolean';

/** How a layer is described and tiled. */
export interface TileLayerSpec {
  id: TileLayerName;
  description: string;
  /** Attribute name → description (TileJSON `vector_layers[].field_descriptions`). */
  fields: Readonly<Record<string, string>>;
  /** Attribute name → type (TileJSON `vector_layers[].fields`); the same keys as `fields`. */
  fieldTypes: Readonly<Record<string, TileFieldType>>;
  geometry: 'point' | 'line' | 'polygon';
  minzoom: number;
  maxzoom: number;
  /**
   * Whether the features depend on the service type / threshold / scenario (part of the cache key); a
   * layer that does not serves one index whatever the request names.
   */
  dependsOnServiceType: boolean;
  /**
   * The cache variant for a zoom: layers whose features change with zoom (the hexagon resolution)
   * build one tile index per variant; '' = one index serves every zoom.
   */
  variantForZoom(z: number): string;
  /** When a tile holds very many points, keep the one with the largest value of this property per cell. */
  thinPriority: string | null;
}

const sameForEveryZoom = (): string => '';

const ACCESS_FIELDS = {
  thresholdMinutes: 'Access threshold in minutes used for desert and beyond-threshold figures',
  accessClass: "Access-time class for styling: '0-5', '5-10', '10-20', '20-30', '30+' minutes, or 'none'",
} as const;

const ACCESS_FIELD_TYPES = { thresholdMinutes: 'Number', accessClass: 'String' } as const;

/** Every tile layer by name. */
export const TILE_LAYERS: Readonly<Record<TileLayerName, TileLayerSpec>> = Object.freeze({
  settlements: {
    id: 'settlements',
    description: 'Settlements (points) with their access to the selected service type',
    fields: {
      id: 'Settlement id',
      name: 'Settlement name',
      population: 'Population',
      population65Plus: 'Population aged 65 and over (absent when unknown)',
      municipalityCode: 'Municipality (kommun) code, 4 digits',
      minutes: 'Travel minutes to the nearest open service point, rounded to 0.1 (absent when none)',
      km: 'Travel km to that point (straight-line km when no travel distance is known), rounded to 0.1',
      straightKm: 'Straight-line (geodesic) km to that point, rounded to 0.1',
      method: 'How access was computed: NETWORK (road network) or ESTIMATED (straight line × circuity)',
      desert: 'True when beyond the threshold or no point is reachable',
      flags: 'Gap-flag codes, comma-separated (MVT cannot hold arrays); empty when none',
      pointId: 'Id of the nearest open service point',
      ...ACCESS_FIELDS,
    },
    fieldTypes: {
      id: 'String',
      name: 'String',
      population: 'Number',
      population65Plus: 'Number',
      municipalityCode: 'String',
      minutes: 'Number',
      km: 'Number',
      straightKm: 'Number',
      method: 'String',
      desert: 'Boolean',
      flags: 'String',
      pointId: 'String',
      ...ACCESS_FIELD_TYPES,
    },
    geometry: 'point',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: sameForEveryZoom,
    thinPriority: 'population',
  },
  'service-points': {
    id: 'service-points',
    description: 'Open service points offering the selected service type',
    fields: {
      id: 'Service point id',
      name: 'Service point name',
      serviceTypes: 'Service-type codes offered, comma-separated',
      serviceTypeCount: 'Number of service types offered (more than 1 = multi-service point)',
      municipalityCode: 'Municipality (kommun) code',
    },
    fieldTypes: {
      id: 'String',
      name: 'String',
      serviceTypes: 'String',
      serviceTypeCount: 'Number',
      municipalityCode: 'String',
    },
    geometry: 'point',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: sameForEveryZoom,
    thinPriority: 'serviceTypeCount',
  },
  'access-hex': {
    id: 'access-hex',
    description:
      'H3 hexagons aggregating settlements: population, population beyond the threshold and ' +
      'population-weighted mean access time; the hexagon resolution follows the zoom',
    fields: {
      h3: 'H3 cell index',
      resolution: 'H3 resolution',
      settlements: 'Number of settlements in the cell',
      population: 'Population in the cell',
      populationBeyondThreshold: 'Population beyond the threshold or with no reachable point',
      settlementsBeyondThreshold: 'Settlements beyond the threshold or with no reachable point',
      shareBeyondThreshold: 'populationBeyondThreshold / population',
      meanMinutes: 'Population-weighted mean travel minutes, rounded to 0.1',
      ...ACCESS_FIELDS,
    },
    fieldTypes: {
      h3: 'String',
      resolution: 'Number',
      settlements: 'Number',
      population: 'Number',
      populationBeyondThreshold: 'Number',
      settlementsBeyondThreshold: 'Number',
      shareBeyondThreshold: 'Number',
      meanMinutes: 'Number',
      ...ACCESS_FIELD_TYPES,
    },
    geometry: 'polygon',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: (z) => `h3r${hexResolutionForZoom(z)}`,
    thinPriority: null,
  },
  areas: {
    id: 'areas',
    description: 'Municipality and county boundaries with access indicators for the selected service type',
    fields: {
      code: 'Area code (municipality 4 digits, county 2 digits)',
      name: 'Area name',
      level: 'MUNICIPALITY or COUNTY',
      population: 'Population',
      population65Plus: 'Population aged 65 and over (absent when unknown)',
      populationBeyondThreshold: 'Population beyond the threshold',
      population65PlusBeyondThreshold: 'Population aged 65+ beyond the threshold (absent when unknown)',
      settlementsBeyondThreshold: 'Settlements beyond the threshold (deserts)',
      settlementsWithoutService: 'Settlements with no point of the type within reach at all',
      meanMinutesPopulationWeighted: 'Population-weighted mean travel minutes, rounded to 0.1',
      shareWithin5: 'Population share (0..1) within 5 minutes',
      shareWithin10: 'Population share (0..1) within 10 minutes',
      shareWithin20: 'Population share (0..1) within 20 minutes',
      shareWithin30: 'Population share (0..1) within 30 minutes',
      serviceType: 'Service-type code',
      thresholdMinutes: 'The threshold applied, minutes',
      outline:
        'BOUNDARY (imported) or SETTLEMENT_TERRITORY (approximate: the land nearest its settlements, ' +
        'when no boundaries are imported)',
      label: 'What the outline is, in words',
    },
    fieldTypes: {
      code: 'String',
      name: 'String',
      level: 'String',
      population: 'Number',
      population65Plus: 'Number',
      populationBeyondThreshold: 'Number',
      population65PlusBeyondThreshold: 'Number',
      settlementsBeyondThreshold: 'Number',
      settlementsWithoutService: 'Number',
      meanMinutesPopulationWeighted: 'Number',
      shareWithin5: 'Number',
      shareWithin10: 'Number',
      shareWithin20: 'Number',
      shareWithin30: 'Number',
      serviceType: 'String',
      thresholdMinutes: 'Number',
      outline: 'String',
      label: 'String',
    },
    geometry: 'polygon',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: sameForEveryZoom,
    thinPriority: null,
  },
  'service-areas': {
    id: 'service-areas',
    description:
      'Service areas: with a road network loaded, the area from which the nearest open point of the type is ' +
      'reached by road within the threshold (method NETWORK_ISOCHRONE); without one, straight-line distance ' +
      'buffers around each point (method DISTANCE_BUFFER, the distance that fits in the threshold under the ' +
      'estimated travel model)',
    fields: {
      pointId: 'Service point id (DISTANCE_BUFFER)',
      name: 'Service point name (DISTANCE_BUFFER)',
      method: 'NETWORK_ISOCHRONE or DISTANCE_BUFFER',
      radiusKm: 'Buffer radius in km, straight line (DISTANCE_BUFFER)',
      thresholdMinutes: 'The threshold the radius corresponds to',
      serviceType: 'Service-type code',
      label: 'What the area is, in words',
    },
    fieldTypes: {
      pointId: 'String',
      name: 'String',
      method: 'String',
      radiusKm: 'Number',
      thresholdMinutes: 'Number',
      serviceType: 'String',
      label: 'String',
    },
    geometry: 'polygon',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: sameForEveryZoom,
    thinPriority: null,
  },
  grid: {
    id: 'grid',
    description:
      'Population grid squares (when a grid is imported) with their access to the selected service type and, ' +
      'for types with capacities, the 2SFCA access A_i; one point per square at its centre (sizeM says how large; ' +
      'coverageLayer GRID_CELLS gives the squares as polygons)',
    fields: {
      id: 'Cell id (SCB rutid)',
      sizeM: 'Square size in metres',
      population: 'Residents',
      population65Plus: 'Residents aged 65 and over (absent when unknown)',
      population80Plus: 'Residents aged 80 and over (absent when unknown)',
      municipalityCode: 'Municipality (kommun) code, 4 digits',
      minutes: 'Travel minutes to the nearest open service point, rounded to 0.1 (absent when none)',
      method: 'How access was computed: NETWORK or ESTIMATED',
      desert: 'True when beyond the threshold or no point is reachable',
      capacityAccess:
        '2SFCA A_i: places per unit of demand within the threshold (absent when no point of the type has a capacity)',
      capacityAccessPer1000: 'capacityAccess × 1000, rounded to 0.01 (places per 1,000 of the demand base)',
      ...ACCESS_FIELDS,
    },
    fieldTypes: {
      id: 'String',
      sizeM: 'Number',
      population: 'Number',
      population65Plus: 'Number',
      population80Plus: 'Number',
      municipalityCode: 'String',
      minutes: 'Number',
      method: 'String',
      desert: 'Boolean',
      capacityAccess: 'Number',
      capacityAccessPer1000: 'Number',
      ...ACCESS_FIELD_TYPES,
    },
    geometry: 'point',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: sameForEveryZoom,
    thinPriority: 'population',
  },
  'eservice-targets': {
    id: 'eservice-targets',
    description:
      'E-service targets for the selected service type: resident origins (population squares where a grid is ' +
      'loaded, settlements elsewhere) beyond the threshold where the e-service could close the gap — ' +
      'connectivity sufficient, or unknown (connectivityKnown false) — ranked by potential users ' +
      '(Query.eServiceTargets, default options)',
    fields: {
      rank: '1-based rank by potential users (over all targets of the type)',
      originId: "The square's cellId (SCB rutid) or the settlement's id",
      originKind: 'GRID_CELL or SETTLEMENT',
      name: "The settlement's name, or the cell id",
      municipalityCode: 'Municipality (kommun) code, 4 digits',
      population: 'Residents',
      population65Plus: 'Residents aged 65 and over (absent when unknown)',
      minutes: 'Travel minutes to the nearest open point of the type, rounded to 0.1 (absent when none)',
      eService: 'The e-service that would close the gap',
      connectivityKnown: 'False when no connectivity figure covers the origin',
      broadbandShare: 'Share (0..1) of households with ≥ 100 Mbit/s (absent when unknown)',
      connectivityLevel: 'MUNICIPALITY, SETTLEMENT or GRID: where the figure came from (absent when unknown)',
      connectivityGenerated: 'True when the figure was GENERATED (the demo), not measured',
      potentialUsers:
        '(population + 0 × 65+) × broadbandShare, rounded to 0.1; no broadband factor when unknown',
      thresholdMinutes: ACCESS_FIELDS.thresholdMinutes,
    },
    fieldTypes: {
      rank: 'Number',
      originId: 'String',
      originKind: 'String',
      name: 'String',
      municipalityCode: 'String',
      population: 'Number',
      population65Plus: 'Number',
      minutes: 'Number',
      eService: 'String',
      connectivityKnown: 'Boolean',
      broadbandShare: 'Number',
      connectivityLevel: 'String',
      connectivityGenerated: 'Boolean',
      potentialUsers: 'Number',
      thresholdMinutes: 'Number',
    },
    geometry: 'point',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: true,
    variantForZoom: sameForEveryZoom,
    thinPriority: 'potentialUsers',
  },
  'network-edges': {
    id: 'network-edges',
    description:
      'The loaded road network (empty when none is loaded): one line per road edge, as NETWORK answers ' +
      'route on it; TileJSON attribution credits its source (© OpenStreetMap contributors, ODbL 1.0, ' +
      'for OpenStreetMap roads)',
    fields: {
      edgeId: 'Stored road edge id',
      lengthKm: 'Road km along the edge, rounded to 0.01',
      minutes: 'Minutes to drive the whole edge, rounded to 0.01',
      speedKmh: 'Driving speed on the edge, km/h (absent for a zero-minute edge)',
      oneway: 'True when drivable only in the direction the line is drawn',
    },
    fieldTypes: {
      edgeId: 'Number',
      lengthKm: 'Number',
      minutes: 'Number',
      speedKmh: 'Number',
      oneway: 'Boolean',
    },
    geometry: 'line',
    minzoom: 0,
    maxzoom: 14,
    dependsOnServiceType: false,
    variantForZoom: sameForEveryZoom,
    thinPriority: null,
  },
});

/** The layer names, in a stable order. */
export const TILE_LAYER_NAMES: readonly TileLayerName[] = Object.freeze(
  Object.keys(TILE_LAYERS) as TileLayerName[],
);

/** Whether `name` is a tile layer. */
export function isTileLayerName(name: string): name is TileLayerName {
  return Object.hasOwn(TILE_LAYERS, name);
}
