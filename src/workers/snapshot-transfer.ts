import { randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { buildRoadNetwork, type NetworkOptions, type RoadNetwork } from '../engine/travel/network.js';
import type { RoadEdges } from '../engine/network/types.js';
import type { EngineGridCell } from '../engine/population-base.js';
import type { ServiceTypeDef } from '../engine/types.js';
import { AnalysisSnapshot, type SettlementSource } from '../modules/access/snapshot.js';
import type { ServicePoint } from '../modules/service-points/service-point.repository.js';
import type { Settlement } from '../modules/settlements/settlement.repository.js';
import { ColumnarSettlements, encodeSettlements, type SettlementColumns } from './settlement-columns.js';

/**
 * A snapshot as the analysis workers receive it: its data serialised once (v8 structured serialisation)
 * into SharedArrayBuffers, so every task can carry it without a copy; a worker deserialises it only when
 * it has not seen this snapshot yet. The settlements travel apart, as columns (settlement-columns.ts),
 * once per settlement array: a worker reads their coordinates from the columns and builds the Settlement
 * objects only for a job that reads them (deserialising 600k settlement objects took a thread over 2 s
 * per new data version, before it could start on its nearest tables). The road network travels as its
 * edges (typed arrays), separately and once per stored network; the worker builds its own graph and
 * snapper from them. The population grid (up to 600k cells) also travels separately, once per grid
 * array: snapshots derived from one (a saved scenario's, a dated one over the same grid) share it, so
 * shipping them costs only their points and settlements.
 */
export interface SnapshotPayload {
  /** Unique per snapshot object: two apps in one process (tests) can have the same data version. */
  id: string;
  data: SharedArrayBuffer;
  /** The settlements' columns, by a key unique per settlement array (null: they are in `data`). */
  settlements: { key: string; columns: SettlementColumns } | null;
  network: { key: string; edges: SharedArrayBuffer } | null;
  /** The grid cells, by a key unique per grid array (empty grid: null). */
  grid: { key: string; cells: SharedArrayBuffer } | null;
  /**
   * Set for a snapshot derived by `openAt`: the worker derives it from its own copy of the parent (whose
   * payload is this one's other fields, under `parentId`), so its road labels come from the parent's on that
   * thread, as on the main thread, and never stand in for the data version's own.
   */
  openAt?: { parentId: string; at: number };
}

interface SnapshotData {
  version: number;
  /** Only when they could not be encoded as columns. */
  settlements: readonly Settlement[] | null;
  openPoints: readonly ServicePoint[];
  catalogue: readonly ServiceTypeDef[];
  networkOptions: NetworkOptions;
  asOf: string | null;
}

function shared(value: unknown): SharedArrayBuffer {
  const bytes = serialize(value);
  const buffer = new SharedArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

const payloads = new WeakMap<AnalysisSnapshot, SnapshotPayload>();
const networkEdges = new WeakMap<RoadNetwork, SharedArrayBuffer>();
const gridCells = new WeakMap<readonly EngineGridCell[], { key: string; cells: SharedArrayBuffer }>();
const settlementColumns = new WeakMap<
  readonly Settlement[],
  { key: string; columns: SettlementColumns } | null
>();

/** The columns of a settlement array (once per array: derived snapshots share it), null if not encodable. */
function columnsOf(settlements: readonly Settlement[]): SnapshotPayload['settlements'] {
  let entry = settlementColumns.get(settlements);
  if (entry === undefined) {
    const columns = encodeSettlements(settlements);
    entry = columns && { key: randomUUID(), columns };
    settlementColumns.set(settlements, entry);
  }
  return entry;
}

/** The payload of a snapshot (built on first use, then kept as long as the snapshot lives). */
export function snapshotPayload(snapshot: AnalysisSnapshot): SnapshotPayload {
  let payload = payloads.get(snapshot);
  const parent = snapshot.openAtParent;
  if (!payload && parent && snapshot.at) {
    // The parent's fields (its buffers, shared, not copied) under a new id; a parent is never itself derived.
    const base = snapshotPayload(parent);
    payload = { ...base, id: randomUUID(), openAt: { parentId: base.id, at: snapshot.at.getTime() } };
    payloads.set(snapshot, payload);
  }
  if (!payload) {
    const settlements = columnsOf(snapshot.settlements);
    const data: SnapshotData = {
      version: snapshot.version,
      settlements: settlements ? null : snapshot.settlements,
      openPoints: snapshot.openPoints,
      catalogue: snapshot.catalogue,
      networkOptions: snapshot.networkOptions,
      asOf: snapshot.asOf,
    };
    let network: SnapshotPayload['network'] = null;
    if (snapshot.network) {
      let edges = networkEdges.get(snapshot.network);
      if (!edges) {
        edges = shared(snapshot.network.edges);
        networkEdges.set(snapshot.network, edges);
      }
      network = { key: snapshot.network.key, edges };
    }
    let grid: SnapshotPayload['grid'] = null;
    if (snapshot.grid.length > 0) {
      grid = gridCells.get(snapshot.grid) ?? null;
      if (!grid) {
        grid = { key: randomUUID(), cells: shared(snapshot.grid) };
        gridCells.set(snapshot.grid, grid);
      }
    }
    payload = { id: randomUUID(), data: shared(data), settlements, network, grid };
    payloads.set(snapshot, payload);
  }
  return payload;
}

/**
 * The worker side: snapshots rebuilt from payloads, the last few kept by id, and the road network built
 * once per network key (a data-version change alone does not rebuild the graph).
 */
export class SnapshotReceiver {
  private readonly snapshots = new Map<string, AnalysisSnapshot>();
  private network: RoadNetwork | null = null;
  private grid: { key: string; cells: readonly EngineGridCell[] } | null = null;
  /** The last few settlement arrays' columns, by key (a scenario's snapshot shares its base's). */
  private readonly settlementSources = new Map<string, ColumnarSettlements>();

  constructor(private readonly keep = 2) {}

  /** The snapshot of a payload, and whether this receiver had it already. */
  receive(payload: SnapshotPayload): { snapshot: AnalysisSnapshot; known: boolean } {
    if (payload.openAt) {
      // The parent's own payload, then its open set at that minute (kept by the parent, not here).
      const { openAt, ...rest } = payload;
      const parent = this.receive({ ...rest, id: openAt.parentId });
      return { snapshot: parent.snapshot.openAt(new Date(openAt.at)), known: parent.known };
    }
    const known = this.snapshots.get(payload.id);
    if (known) return { snapshot: known, known: true };
    const data = deserialize(new Uint8Array(payload.data)) as SnapshotData;
    let settlements: readonly Settlement[] | SettlementSource;
    if (payload.settlements) {
      const { key, columns } = payload.settlements;
      let source = this.settlementSources.get(key);
      if (!source) {
        source = new ColumnarSettlements(columns);
        if (this.settlementSources.size >= this.keep) {
          const oldest = this.settlementSources.keys().next().value;
          if (oldest !== undefined) this.settlementSources.delete(oldest);
        }
      } else this.settlementSources.delete(key);
      this.settlementSources.set(key, source);
      settlements = source;
    } else settlements = data.settlements ?? [];
    let network: RoadNetwork | null = null;
    if (payload.network) {
      if (this.network?.key !== payload.network.key) {
        const edges = deserialize(new Uint8Array(payload.network.edges)) as RoadEdges;
        this.network = buildRoadNetwork(edges, payload.network.key);
      }
      network = this.network;
    }
    let grid: readonly EngineGridCell[] = [];
    if (payload.grid) {
      if (this.grid?.key !== payload.grid.key) {
        const cells = deserialize(new Uint8Array(payload.grid.cells)) as EngineGridCell[];
        this.grid = { key: payload.grid.key, cells };
      }
      grid = this.grid.cells;
    }
    const snapshot = new AnalysisSnapshot(
      data.version,
      settlements,
      data.openPoints,
      data.catalogue,
      network,
      data.networkOptions,
      data.asOf,
      undefined,
      grid,
    );
    if (this.snapshots.size >= this.keep) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
    this.snapshots.set(payload.id, snapshot);
    return { snapshot, known: false };
  }
}
