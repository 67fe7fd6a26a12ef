import type { AreaIndicatorRow } from '../../engine/indicators.js';
import type { TravelModel } from '../../engine/types.js';
import { desertsAmong, indicatorsWithBase } from '../access/access.service.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { ConnectivityIndex } from '../connectivity/connectivity.js';
import type { ConnectivityRecord } from '../connectivity/connectivity.repository.js';
import { eServicePotential, gapAnalysis, gapOptions } from '../gaps/gaps.service.js';
import { closureImpactAmong } from '../scenarios/closure.service.js';
import { suggestSites } from '../sites/sites.service.js';

/** What the plan's analyses need besides the snapshot: plain data, so the job can cross to a worker. */
export interface ReportAnalysesArgs {
  /** The municipality's settlements and residents (positions in the snapshot). */
  indices: readonly number[];
  residentIndices: readonly number[];
  /** The county's, for the county column of the indicators (null: the caller fills that column). */
  county: { indices: readonly number[]; residentIndices: readonly number[] } | null;
  codes: readonly string[];
  keyTypes: readonly string[];
  model: TravelModel;
  minBroadbandShare: number;
  /** The stored connectivity figures (ConnectivityIndex.records). */
  connectivity: readonly ConnectivityRecord[];
}

/** The plan's analysed sections (MunicipalityReport extends this). */
export interface ReportAnalyses {
  indicators: {
    serviceType: string;
    municipality: AreaIndicatorRow | null;
    county: AreaIndicatorRow | null;
  }[];
  deserts: {
    serviceType: string;
    settlements: { name: string; population: number; travelMinutes: number | null; nearest: string | null }[];
  }[];
  gaps: {
    settlement: string;
    population: number;
    flags: {
      code: string;
      serviceType: string;
      /** The engine's sentence (English); the HTML plan renders it from `details` in its language. */
      reason: string;
      /** The reason as data (GapFlag.details). */
      details: Record<string, string | number | boolean | null>;
      eService: string | null;
    }[];
  }[];
  closures: {
    serviceType: string;
    point: string;
    populationLosingAccess: number;
    population65PlusLosingAccess: number | null;
    settlements: string[];
  }[];
  sites: {
    serviceTypes: string[];
    populationCoveredBefore: number;
    populationCoveredAfter: number;
    method: string;
    sites: {
      settlement: string | null;
      lon: number;
      lat: number;
      marginalPopulation: number;
      serves: string[];
    }[];
  };
  eServices: { serviceType: string; settlement: string; potentialUsers: number; eService: string }[];
}

/**
 * The plan's analyses over one snapshot: indicators, deserts, gap flags, closures, site suggestions and
 * e-service potential, by the SAME use cases the GraphQL resolvers call. Their cost grows with the
 * municipality (the site suggestion's reach of every settlement as a candidate most: 14 s for 5,000
 * settlements), so it runs on the analysis pool as one job (analysis-jobs `reportAnalyses`) and the
 * server's event loop stays free; with the pool off the same function runs in-process.
 */
export function reportAnalyses(snapshot: AnalysisSnapshot, a: ReportAnalysesArgs): ReportAnalyses {
  const { indices, residentIndices, codes, keyTypes, model } = a;
  const gapRequest = {
    ...gapOptions(null, a.minBroadbandShare),
    connectivity: new ConnectivityIndex(a.connectivity),
  };

  const indicators = codes.map((type) => ({
    serviceType: type,
    municipality:
      indicatorsWithBase(snapshot, indices, residentIndices, type, 'MUNICIPALITY', model)[0] ?? null,
    county:
      a.county === null
        ? null
        : (indicatorsWithBase(
            snapshot,
            a.county.indices,
            a.county.residentIndices,
            type,
            'COUNTY',
            model,
          )[0] ?? null),
  }));

  const deserts = codes.map((type) => ({
    serviceType: type,
    settlements: desertsAmong(snapshot, indices, type, model).map((d) => ({
      name: d.settlement.name,
      population: d.settlement.population,
      travelMinutes: d.access.travelMinutes,
      nearest: d.access.servicePoint?.name ?? null,
    })),
  }));

  const gaps = gapAnalysis(snapshot, indices, codes, model, gapRequest).map((g) => ({
    settlement: g.settlement.name,
    population: g.population,
    flags: g.flags.map((f) => ({
      code: f.code,
      serviceType: f.serviceType,
      reason: f.reason,
      details: f.details,
      eService: f.eService ?? null,
    })),
  }));

  const closures = keyTypes.flatMap((type) =>
    closureImpactAmong(snapshot, indices, type, model, 10)
      .filter((c) => c.populationLosingAccess > 0)
      .map((c) => ({
        serviceType: type,
        point: c.servicePoint.name,
        populationLosingAccess: c.populationLosingAccess,
        population65PlusLosingAccess: c.population65PlusLosingAccess,
        settlements: c.settlementsLosingAccess.map((s) => s.name),
      })),
  );

  const suggested = suggestSites(snapshot, indices, {
    types: keyTypes,
    count: 3,
    weighting: 'POPULATION',
    candidates: null,
    exact: false,
    model,
  });
  const sites = {
    serviceTypes: [...keyTypes],
    populationCoveredBefore: suggested.populationCoveredBefore,
    populationCoveredAfter: suggested.populationCoveredAfter,
    method: suggested.method,
    sites: suggested.sites.map((s) => ({
      settlement: s.settlement?.name ?? null,
      lon: s.location.lon,
      lat: s.location.lat,
      marginalPopulation: s.marginalPopulation,
      serves: s.serves.map((x) => x.name),
    })),
  };

  const eServices = codes.flatMap((type) =>
    eServicePotential(snapshot, indices, type, model, gapRequest)
      .slice(0, 5)
      .map((e) => ({
        serviceType: type,
        settlement: e.settlement.name,
        potentialUsers: e.potentialUsers,
        eService: e.eService,
      })),
  );

  return { indicators, deserts, gaps, closures, sites, eServices };
}
