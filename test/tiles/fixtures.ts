import type { AccessTable } from '../../src/engine/access.js';
import { ROW_ESTIMATED } from '../../src/engine/travel/verdict.js';
import { gridFeatures } from '../../src/tiles/grid-features.js';
import type { FeatureCollection, Polygon } from 'geojson';
import { readCatalogue } from '../../src/catalogue.js';
import { seededRandom } from '../../src/demo/random.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef } from '../../src/engine/types.js';
import { hexAggregate, hexResolutionForZoom } from '../../src/tiles/hex.js';
import {
  type AreaFeatureInput,
  areaFeatures,
  type SettlementAccessInput,
  serviceAreaFeatures,
  servicePointFeatures,
  settlementFeatures,
} from '../../src/tiles/layer-features.js';
import type { TileLayerName } from '../../src/tiles/layers.js';
import type { RoadEdges } from '../../src/engine/network/types.js';
import { networkEdgeFeatures } from '../../src/tiles/network-features.js';
import type { EServiceTarget } from '../../src/modules/eservice/eservice-targets.js';
import { targetFeature } from '../../src/modules/eservice/eservice-tiles.js';
import type { TileDataSource, TileLayerParams } from '../../src/tiles/routes.js';
import { bruteForceRanking, minutesFor, withinByMinutes } from '../support/oracles.js';

/** Seed builders for the tile tests, the browser test's fixture server and the tile benchmark. */

/** One settlement with sensible defaults. */
export function settlement(
  overrides: Partial<EngineSettlement> & { lon: number; lat: number },
): EngineSettlement {
  return {
    id: 's1',
    name: 'Byn',
    population: 100,
    population65Plus: 30,
    municipalityCode: '2080',
    countyCode: '20',
    broadbandShare: 0.9,
    ...overrides,
  };
}

/** The catalogue in data/service-types.json. */
export function catalogue(): ServiceTypeDef[] {
  return readCatalogue();
}

/** Great-circle km on Turf's sphere (R = 6371.0088 km), written out here as an independent oracle. */
export function haversineKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A generated region: settlements, open points, municipalities and a county. */
export interface DemoWorld {
  bounds: [number, number, number, number];
  settlements: EngineSettlement[];
  points: EnginePoint[];
  areas: AreaFeatureInput[];
  serviceTypes: ServiceTypeDef[];
}

function rectangle(w: number, s: number, e: number, n: number): Polygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}

/**
 * A seeded region around Dalarna (lon 13–17, lat 59.5–61.5) split into 2×2 municipalities of one
 * county; settlements cluster around a few towns so that some are far from any service.
 */
export function demoWorld(options: { settlements?: number; points?: number; seed?: number } = {}): DemoWorld {
  const random = seededRandom(options.seed ?? 42);
  const bounds: [number, number, number, number] = [13, 59.5, 17, 61.5];
  const [w, s, e, n] = bounds;
  const midLon = (w + e) / 2;
  const midLat = (s + n) / 2;
  const municipalityOf = (lon: number, lat: number): string =>
    `20${String((lat >= midLat ? 2 : 0) + (lon >= midLon ? 1 : 0) + 61)}`;
  const towns = Array.from({ length: 12 }, () => [w + random() * (e - w), s + random() * (n - s)] as const);
  const settlements: EngineSettlement[] = [];
  const count = options.settlements ?? 400;
  for (let i = 0; i < count; i++) {
    const [tLon, tLat] = towns[i % towns.length]!;
    const clustered = random() < 0.7;
    const lon = clustered ? tLon + (random() - 0.5) * 0.6 : w + random() * (e - w);
    const lat = clustered ? tLat + (random() - 0.5) * 0.3 : s + random() * (n - s);
    const population = Math.round(20 + random() ** 3 * 5000);
    settlements.push({
      id: `s${i}`,
      name: `Settlement ${i}`,
      lon: Math.min(e, Math.max(w, lon)),
      lat: Math.min(n, Math.max(s, lat)),
      population,
      population65Plus: i % 10 === 0 ? null : Math.round(population * 0.25),
      municipalityCode: municipalityOf(lon, lat),
      countyCode: '20',
      broadbandShare: i % 7 === 0 ? null : random(),
    });
  }
  const serviceTypes = catalogue();
  const points: EnginePoint[] = [];
  for (let i = 0; i < (options.points ?? 40); i++) {
    const [tLon, tLat] = towns[i % towns.length]!;
    const lon = tLon + (random() - 0.5) * 0.2;
    const lat = tLat + (random() - 0.5) * 0.1;
    const types = serviceTypes.map((t) => t.code).filter((_, k) => (i + k) % 3 === 0 || random() < 0.25);
    points.push({
      id: `p${i}`,
      name: `Service point ${i}`,
      lon,
      lat,
      serviceTypes: types.length > 0 ? types : ['GROCERY'],
      municipalityCode: municipalityOf(lon, lat),
    });
  }
  const areas: AreaFeatureInput[] = [
    { code: '2061', name: 'South-west', level: 'MUNICIPALITY', geometry: rectangle(w, s, midLon, midLat) },
    { code: '2062', name: 'South-east', level: 'MUNICIPALITY', geometry: rectangle(midLon, s, e, midLat) },
    { code: '2063', name: 'North-west', level: 'MUNICIPALITY', geometry: rectangle(w, midLat, midLon, n) },
    { code: '2064', name: 'North-east', level: 'MUNICIPALITY', geometry: rectangle(midLon, midLat, e, n) },
    { code: '20', name: 'Dalarnas län', level: 'COUNTY', geometry: rectangle(w, s, e, n) },
  ];
  return { bounds, settlements, points, areas, serviceTypes };
}

/** Brute-force nearest-point access under the default estimated model (1.35 × straight line at 70 km/h). */
export function bruteForceAccess(
  world: DemoWorld,
  serviceType: string,
  thresholdMinutes: number,
): SettlementAccessInput {
  const candidates = world.points.filter((p) => p.serviceTypes.includes(serviceType));
  const n = world.settlements.length;
  const minutes = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const straightKm = new Float64Array(n).fill(Number.NaN);
  const travelKm = new Float64Array(n).fill(Number.NaN);
  const pointIds: (string | null)[] = new Array(n).fill(null);
  world.settlements.forEach((s, i) => {
    const [nearest] = bruteForceRanking(candidates, s.lon, s.lat);
    if (nearest === undefined) return;
    straightKm[i] = nearest.km;
    travelKm[i] = nearest.km * 1.35;
    minutes[i] = minutesFor(nearest.km);
    pointIds[i] = nearest.point.id;
  });
  const within = withinByMinutes(minutes, thresholdMinutes);
  return { minutes, straightKm, travelKm, pointIds, method: 'ESTIMATED', thresholdMinutes, within };
}

/**
 * A TileDataSource over a DemoWorld that records its calls; bump `version` to simulate a data change.
 */
/** Straight roads joining the places in order: edge e from place e to place e + 1, driven at 60 km/h. */
export function roadsThrough(places: readonly { lon: number; lat: number }[]): RoadEdges {
  const count = Math.max(0, places.length - 1);
  const nodeLonLat = Float64Array.from(places.flatMap((p) => [p.lon, p.lat]));
  const lengthKm = Float64Array.from({ length: count }, (_, e) => {
    const dx = (places[e + 1]!.lon - places[e]!.lon) * 111.32 * Math.cos((places[e]!.lat * Math.PI) / 180);
    const dy = (places[e + 1]!.lat - places[e]!.lat) * 111.32;
    return Math.hypot(dx, dy);
  });
  return {
    count,
    nodeCount: places.length,
    source: Int32Array.from({ length: count }, (_, e) => e),
    target: Int32Array.from({ length: count }, (_, e) => e + 1),
    nodeLonLat,
    lengthKm,
    minutes: lengthKm.map((km) => km),
    oneway: Uint8Array.from({ length: count }, (_, e) => (e % 3 === 0 ? 1 : 0)),
    geometryStart: Uint32Array.from({ length: count + 1 }, (_, e) => 2 * e),
    vertexLonLat: Float64Array.from(
      Array.from({ length: count }, (_, e) => [
        places[e]!.lon,
        places[e]!.lat,
        places[e + 1]!.lon,
        places[e + 1]!.lat,
      ]).flat(),
    ),
    edgeId: Float64Array.from({ length: count }, (_, e) => e + 1),
  };
}

export class FakeTileSource implements TileDataSource {
  version = 1;
  readonly calls: { layer: TileLayerName; params: TileLayerParams }[] = [];
  failWith: Error | null = null;

  constructor(readonly world: DemoWorld = demoWorld()) {}

  dataVersion(): number {
    return this.version;
  }

  async layerFeatures(layer: TileLayerName, params: TileLayerParams): Promise<FeatureCollection> {
    this.calls.push({ layer, params });
    if (this.failWith) throw this.failWith;
    const type = this.world.serviceTypes.find((t) => t.code === params.serviceType)!;
    const threshold = params.thresholdMinutes ?? type.thresholdMinutes;
    const access = () => bruteForceAccess(this.world, params.serviceType, threshold);
    switch (layer) {
      case 'settlements':
        return settlementFeatures(this.world.settlements, access());
      case 'service-points':
        return servicePointFeatures(this.world.points, { serviceType: params.serviceType });
      case 'access-hex':
        return hexAggregate(
          this.world.settlements,
          access().minutes,
          threshold,
          hexResolutionForZoom(params.z),
          access().within,
        );
      case 'service-areas':
        return serviceAreaFeatures(this.world.points, ((threshold / 60) * 70) / 1.35, {
          thresholdMinutes: threshold,
          serviceType: params.serviceType,
        });
      case 'areas':
        return areaFeatures(this.world.areas);
      case 'grid': {
        // A 1 km square at every settlement, with the brute-force access and a flat A_i.
        const a = access();
        const cells = this.world.settlements.map((s, i) => ({
          id: `cell${i}`,
          sizeM: 1000,
          lon: s.lon,
          lat: s.lat,
          population: s.population,
          population65Plus: s.population65Plus,
          population80Plus: 1,
          municipalityCode: s.municipalityCode,
          countyCode: s.countyCode,
        }));
        const table = {
          pointIndex: Int32Array.from(a.pointIds, (id) => (id === null ? -1 : 0)),
          minutes: a.minutes,
          method: new Uint8Array(cells.length).fill(ROW_ESTIMATED),
          within: Uint8Array.from(a.minutes, (m) => (m <= threshold ? 1 : 0)),
          thresholdMinutes: threshold,
        } as unknown as AccessTable;
        const squares = gridFeatures(cells, table, new Float64Array(cells.length).fill(0.0125));
        return {
          type: 'FeatureCollection',
          features: squares.features.map((f, i) => ({
            ...f,
            geometry: { type: 'Point', coordinates: [cells[i]!.lon, cells[i]!.lat] },
          })),
        };
      }
      case 'network-edges':
        // A road from each settlement to the next (one-way every third), as networkEdgeFeatures draws them.
        return networkEdgeFeatures(roadsThrough(this.world.settlements));
      case 'eservice-targets': {
        // Deserts of a type with a digital substitute, each settlement's own share (unknown: no factor), ranked
        // as src/modules/eservice/eservice-targets.ts does (checked there against the real snapshot).
        const a = access();
        const substitute = type.digitalSubstitute;
        if (substitute === null || substitute.adequacy === 'NONE')
          return { type: 'FeatureCollection', features: [] };
        const targets = this.world.settlements.flatMap((s, i) => {
          const minutes = a.minutes[i]!;
          const share = s.broadbandShare;
          if (!(minutes > threshold) || (share !== null && share < 0.8)) return [];
          const target: EServiceTarget = {
            rank: 0,
            originId: s.id,
            originKind: 'SETTLEMENT',
            name: s.name,
            municipalityCode: s.municipalityCode,
            countyCode: s.countyCode,
            lon: s.lon,
            lat: s.lat,
            population: s.population,
            population65Plus: s.population65Plus,
            serviceType: params.serviceType,
            travelMinutes: Number.isFinite(minutes) ? minutes : null,
            travelKm: Number.isFinite(minutes) ? (a.travelKm?.[i] ?? null) : null,
            thresholdMinutes: threshold,
            method: 'ESTIMATED',
            nearestServicePointId: a.pointIds[i] ?? null,
            eService: substitute.name,
            adequacy: substitute.adequacy === 'FULL' ? 'FULL' : 'PARTIAL',
            limitation: substitute.limitations,
            connectivityKnown: share !== null,
            broadbandShare: share,
            gigabitShare: null,
            mobileCoverage: null,
            connectivityLevel: share === null ? null : 'SETTLEMENT',
            connectivitySource: null,
            connectivityGenerated: false,
            potentialUsers: s.population * (share ?? 1),
          };
          return [target];
        });
        targets.sort((x, y) => y.potentialUsers - x.potentialUsers);
        targets.forEach((t, i) => {
          t.rank = i + 1;
        });
        return { type: 'FeatureCollection', features: targets.map(targetFeature) };
      }
    }
  }

  async bounds(): Promise<[number, number, number, number]> {
    return this.world.bounds;
  }

  serviceTypes(): string[] {
    return this.world.serviceTypes.map((t) => t.code);
  }

  isDemoData(): boolean {
    return true;
  }
}
