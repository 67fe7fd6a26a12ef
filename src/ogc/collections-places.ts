import { createContext } from '../context.js';
import { gapFlagsFromTable } from '../engine/gaps.js';
import { residentsInArea } from '../modules/access/area-settlements.js';
import { accessFromTable, indicatorsWithBase } from '../modules/access/access.service.js';
import { listAreas } from '../modules/areas/area.repository.js';
import { findServicePoints } from '../modules/service-points/service-point.repository.js';
import { fieldWork } from '../limits/work-cost.js';
import { workScaleOf } from '../limits/work-scale.js';
import type { PropertyValue } from './cql2.js';
import { invalidParameter } from './errors.js';
import {
  type CollectionContext,
  type ResolvedCollection,
  type Queryable,
  SETTLEMENT_BASE_QUERYABLES,
  pointFeature,
  settlementBase,
  typeKey,
} from './collection-catalogue.js';

/* The collections of places as stored: settlements (with their access), service points, municipalities and counties, grid squares. */

/** Settlements with their access to every service type and their gap flags. */
export function settlementsCollection(c: CollectionContext): ResolvedCollection {
  const { info, codes, services, layers, snapshotOf, key, memoise } = c;
  const queryables: Record<string, Queryable> = {
    geometry: { type: 'geometry', title: 'Settlement point' },
    ...SETTLEMENT_BASE_QUERYABLES,
    gapFlags: { type: 'string', title: 'Gap flags, comma-separated TYPE:GAP_CODE' },
  };
  for (const code of codes) {
    const k = typeKey(code);
    queryables[`${k}_minutes`] = { type: 'number', title: `Minutes to the nearest ${code}` };
    queryables[`${k}_km`] = { type: 'number', title: `Travel km to the nearest ${code}` };
    queryables[`${k}_within`] = { type: 'boolean', title: `Within the ${code} threshold` };
    queryables[`${k}_method`] = {
      type: 'string',
      title: `How the ${code} access was computed`,
      enum: ['NETWORK', 'ESTIMATED'],
    };
  }
  return {
    ...info,
    queryables,
    features: async (q) => {
      const snapshot = await snapshotOf(q);
      return memoise(snapshot, key(q), async () => {
        const options = { minBroadbandShare: services.config.minBroadbandShare };
        const perType: {
          code: string;
          k: string;
          table: Awaited<ReturnType<typeof layers.table>>;
          type: ReturnType<typeof snapshot.engine.serviceType>;
          points: ReturnType<typeof snapshot.engine.index>['points'];
        }[] = [];
        for (const code of snapshot.catalogue.map((t) => t.code)) {
          perType.push({
            code,
            k: typeKey(code),
            table: await layers.table(snapshot, code),
            type: snapshot.engine.serviceType(code),
            points: snapshot.engine.index(code).points,
          });
        }
        return snapshot.settlements.map((s, i) => {
          const properties = settlementBase(s);
          const flags: string[] = [];
          for (const { code, k, table, type, points } of perType) {
            const a = accessFromTable(snapshot, table, i);
            properties[`${k}_minutes`] = a.travelMinutes;
            properties[`${k}_km`] = a.travelKm;
            properties[`${k}_within`] = a.withinThreshold;
            properties[`${k}_method`] = a.method;
            for (const f of gapFlagsFromTable(s, table, i, points, type, options))
              flags.push(`${code}:${f.code}`);
          }
          properties.gapFlags = flags.join(',');
          return { id: s.id, geometry: { type: 'Point', coordinates: [s.lon, s.lat] }, properties };
        });
      });
    },
  };
}

/** The service points as stored (a dated request reads them as they stood). */
export function servicePointsCollection(c: CollectionContext): ResolvedCollection {
  const { info, services, pointsCache } = c;
  return {
    ...info,
    queryables: {
      geometry: { type: 'geometry', title: 'Service point location' },
      name: { type: 'string', title: 'Name' },
      serviceTypes: { type: 'string', title: 'Service type codes, comma-separated' },
      status: { type: 'string', title: 'Status', enum: ['OPEN', 'CLOSED', 'PLANNED'] },
      operator: { type: 'string', title: 'Operator' },
      capacity: { type: 'number', title: 'Capacity (places)' },
      openingHours: { type: 'string', title: 'Opening hours (OSM syntax)' },
      municipalityCode: { type: 'string', title: 'SCB municipality code' },
      externalId: { type: 'string', title: 'Id in the source data' },
      source: { type: 'string', title: 'Where the record came from' },
      validFrom: { type: 'date', title: 'In service from', format: 'date' },
      validTo: { type: 'date', title: 'Out of service from (exclusive)', format: 'date' },
    },
    features: async (q) => {
      const { writes } = await services.versions();
      const k = `${writes}|${q.asOf ?? ''}`;
      let pending = pointsCache.get(k);
      if (!pending) {
        pending = findServicePoints(services.db, q.asOf ? { inServiceOn: q.asOf } : {}).then((points) =>
          points.map(pointFeature),
        );
        pointsCache.set(k, pending);
        pending.catch(() => pointsCache.delete(k));
      }
      return pending;
    },
  };
}

/** Municipalities or counties with their indicators. */
export function areasCollection(c: CollectionContext): ResolvedCollection {
  const { info, viewer, codes, services, layers, model, snapshotOf, threshold, key, memoise } = c;
  const level = info.id === 'municipalities' ? 'MUNICIPALITY' : 'COUNTY';
  const queryables: Record<string, Queryable> = {
    geometry: { type: 'geometry', title: 'Boundary' },
    code: { type: 'string', title: 'SCB area code' },
    name: { type: 'string', title: 'Name' },
    outline: {
      type: 'string',
      title: 'BOUNDARY (imported) or APPROXIMATE',
      enum: ['BOUNDARY', 'APPROXIMATE'],
    },
    populationBase: {
      type: 'string',
      title: 'What the population figures count: GRID, SETTLEMENTS or MIXED',
      enum: ['GRID', 'SETTLEMENTS', 'MIXED'],
    },
    population: { type: 'integer', title: 'Residents' },
    population65Plus: { type: 'integer', title: 'Residents aged 65+' },
  };
  for (const code of codes) {
    const k = typeKey(code);
    queryables[`${k}_thresholdMinutes`] = { type: 'number', title: `${code} threshold (minutes)` };
    queryables[`${k}_populationBeyondThreshold`] = {
      type: 'integer',
      title: `People beyond the ${code} threshold`,
    };
    queryables[`${k}_population65PlusBeyondThreshold`] = {
      type: 'integer',
      title: `People 65+ beyond the ${code} threshold`,
    };
    queryables[`${k}_settlementsBeyondThreshold`] = {
      type: 'integer',
      title: `Settlements beyond the ${code} threshold`,
    };
    queryables[`${k}_meanMinutes`] = {
      type: 'number',
      title: `Population-weighted mean minutes to ${code}`,
    };
    for (const m of [5, 10, 20, 30]) {
      queryables[`${k}_shareWithin${m}`] = {
        type: 'number',
        title: `Share of the population within ${m} min of ${code}`,
      };
    }
  }
  return {
    ...info,
    queryables,
    features: async (q) => {
      const ctx = createContext(services, viewer);
      const snapshot = await snapshotOf(q);
      // Priced as GraphQL accessIndicators(groupBy, every type) is: the same analysis, the same maxWork.
      const args = {
        groupBy: level,
        serviceTypes: codes,
        thresholdMinutes: threshold(q),
        asOf: q.asOf,
      };
      const work = fieldWork('Query.accessIndicators', args, workScaleOf(snapshot));
      if (work > services.config.limits.maxWork) {
        throw invalidParameter(
          'minutes',
          `the indicators of every type for every ${level.toLowerCase()} are more work than one request may do (maxWork: ${work} > ${services.config.limits.maxWork}), as in GraphQL accessIndicators`,
        );
      }
      return memoise(snapshot, key(q), async () => {
        const { indices, residentIndices } = await residentsInArea(ctx, null, { asOf: q.asOf });
        const outlines = (await layers.outlines(snapshot)).filter((o) => o.level === level);
        const names = new Map((await listAreas(services.db, level)).map((a) => [a.code, a.name]));
        const byCode = new Map<string, Record<string, PropertyValue>>();
        for (const code of snapshot.catalogue.map((t) => t.code)) {
          await layers.table(snapshot, code);
          const k = typeKey(code);
          const rows = indicatorsWithBase(
            snapshot,
            indices,
            residentIndices,
            code,
            level,
            model,
            threshold(q),
          );
          for (const row of rows) {
            let p = byCode.get(row.areaCode);
            if (!p) {
              p = {
                populationBase: row.populationBase,
                population: row.population,
                population65Plus: row.population65Plus,
              };
              byCode.set(row.areaCode, p);
            }
            p[`${k}_thresholdMinutes`] = row.thresholdMinutes;
            p[`${k}_populationBeyondThreshold`] = row.populationBeyondThreshold;
            p[`${k}_population65PlusBeyondThreshold`] = row.population65PlusBeyondThreshold;
            p[`${k}_settlementsBeyondThreshold`] = row.settlementsBeyondThreshold;
            p[`${k}_meanMinutes`] = row.meanMinutesPopulationWeighted;
            for (const { minutes, share } of row.shareWithin) p[`${k}_shareWithin${minutes}`] = share;
          }
        }
        return outlines
          .slice()
          .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
          .map((o) => {
            const properties: Record<string, PropertyValue> = {
              code: o.code,
              name: o.name ?? names.get(o.code) ?? null,
              outline: o.outline === 'BOUNDARY' ? 'BOUNDARY' : 'APPROXIMATE',
              populationBase: null,
              population: null,
              population65Plus: null,
            };
            for (const name of Object.keys(queryables)) {
              if (name !== 'geometry' && !(name in properties)) properties[name] = null;
            }
            Object.assign(properties, byCode.get(o.code) ?? {});
            return { id: o.code, geometry: o.geometry, properties };
          });
      });
    },
  };
}

/** The population grid squares with their access. */
export function gridCollection(c: CollectionContext): ResolvedCollection {
  const { info, layers, snapshotOf, typeOf, threshold, key, memoise } = c;
  return {
    ...info,
    queryables: {
      geometry: { type: 'geometry', title: 'Grid square' },
      cellId: { type: 'string', title: 'Cell id (e.g. SCB rutid)' },
      serviceType: { type: 'string', title: 'Service type of the access figures' },
      sizeM: { type: 'number', title: 'Square size (m)' },
      population: { type: 'integer', title: 'Residents' },
      population65Plus: { type: 'integer', title: 'Residents aged 65+' },
      population80Plus: { type: 'integer', title: 'Residents aged 80+' },
      municipalityCode: { type: 'string', title: 'SCB municipality code' },
      minutes: { type: 'number', title: 'Minutes to the nearest point' },
      method: { type: 'string', title: 'NETWORK or ESTIMATED' },
      within: { type: 'boolean', title: 'Within the threshold' },
      thresholdMinutes: { type: 'number', title: 'Threshold (minutes)' },
      capacityAccess: { type: 'number', title: '2SFCA capacity access A_i (places per resident)' },
      capacityAccessPer1000: { type: 'number', title: '2SFCA capacity access per 1000 residents' },
    },
    features: async (q) => {
      const snapshot = await snapshotOf(q);
      const code = typeOf(q);
      return memoise(snapshot, key({ ...q, serviceType: code }), async () => {
        const squares = await layers.grid(snapshot, code, threshold(q));
        return squares.features.map((f, i) => {
          const p = f.properties;
          return {
            id: String(p.id ?? snapshot.grid[i]!.id),
            geometry: f.geometry,
            properties: {
              cellId: p.id,
              serviceType: code,
              sizeM: p.sizeM,
              population: p.population,
              population65Plus: p.population65Plus ?? null,
              population80Plus: p.population80Plus ?? null,
              municipalityCode: p.municipalityCode ?? null,
              minutes: p.minutes ?? null,
              method: p.method,
              within: !p.desert,
              thresholdMinutes: p.thresholdMinutes,
              capacityAccess: p.capacityAccess ?? null,
              capacityAccessPer1000: p.capacityAccessPer1000 ?? null,
            },
          };
        });
      });
    },
  };
}
