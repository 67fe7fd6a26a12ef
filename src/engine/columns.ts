/**
 * Where the engine's table columns live. A table built in an analysis worker reaches the main thread
 * without a copy when its columns are in SharedArrayBuffers — the structured clone of a shared array
 * shares its memory — while the worker keeps the same table for its later jobs (derivations, the next
 * data version). NETWORK tables are always shared (network/provider/columns.ts); ESTIMATED tables are
 * shared in an analysis worker (shareColumns, called once when it starts) and ordinary arrays elsewhere.
 * A table's columns are written while it is built and only read after, so sharing them is safe.
 */
let shared = false;

/** Allocate table columns in shared memory from now on (the analysis worker's start). */
export function shareColumns(on: boolean): void {
  shared = on;
}

/** A zero-filled Float64Array of n entries in shared memory. */
export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(n * 8));
}

/** A zero-filled Int32Array of n entries in shared memory. */
export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * 4));
}

/** A zero-filled Uint8Array of n entries in shared memory. */
export function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** A zero-filled Float64Array of n entries, shared in an analysis worker. */
export function float64Column(n: number): Float64Array {
  return shared ? sharedFloat64(n) : new Float64Array(n);
}

/** A zero-filled Int32Array of n entries, shared in an analysis worker. */
export function int32Column(n: number): Int32Array {
  return shared ? sharedInt32(n) : new Int32Array(n);
}

/** A zero-filled Uint8Array of n entries, shared in an analysis worker. */
export function uint8Column(n: number): Uint8Array {
  return shared ? sharedUint8(n) : new Uint8Array(n);
}
