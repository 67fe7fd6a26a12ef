/**
 * Where the engine's table columns live. In an analysis worker they are allocated in SharedArrayBuffers
 * (shareColumns, called once when the worker starts): a table built there then reaches the main thread
 * without a copy — the structured clone of a shared array shares its memory — while the worker keeps the
 * same table for its later jobs (derivations, the next data version). Elsewhere they are ordinary arrays.
 * A table's columns are written while it is built and only read after, so sharing them is safe.
 */
let shared = false;

/** Allocate table columns in shared memory from now on (the analysis worker's start). */
export function shareColumns(on: boolean): void {
  shared = on;
}

/** A zero-filled Float64Array of n entries, shared in an analysis worker. */
export function float64Column(n: number): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n);
}

/** A zero-filled Int32Array of n entries, shared in an analysis worker. */
export function int32Column(n: number): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}

/** A zero-filled Uint8Array of n entries, shared in an analysis worker. */
export function uint8Column(n: number): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}
