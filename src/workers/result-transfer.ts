/**
 * A job's result made ready to be transferred (not copied) to the main thread: the large typed arrays
 * in it that are not in shared memory (access tables' columns are: engine/columns.ts, so they cross as
 * they are) are replaced by copies made here, whose buffers go in the transfer list. Structured cloning
 * would copy each array twice — into the message, and out of it on the main thread, where the
 * deserialising blocks the event loop — while a transferred buffer is only handed over. Copies, because the originals may be cached in the
 * worker's snapshot (its nearest tables, read again by its later jobs) and a transferred buffer is
 * detached in the sender.
 *
 * Only plain objects and arrays are looked into (a few levels, short arrays: a table, a list of
 * tables, an answer holding a table), rebuilt where something inside was replaced; the result itself is
 * never changed. Shared and small arrays are left to the structured clone.
 */
export function transferableResult(value: unknown): { value: unknown; transfer: ArrayBuffer[] } {
  const copies = new Map<ArrayBufferView, ArrayBufferView>();
  const out = replace(value, copies, 0);
  return { value: out, transfer: [...copies.values()].map((v) => v.buffer as ArrayBuffer) };
}

/** Typed arrays smaller than this are cloned with the rest of the result. */
const MIN_TRANSFER_BYTES = 64 * 1024;
const MAX_DEPTH = 4;
const MAX_ARRAY = 64;

function replace(value: unknown, copies: Map<ArrayBufferView, ArrayBufferView>, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof ArrayBuffer) || value.byteLength < MIN_TRANSFER_BYTES) return value;
    // A DataView cannot be sliced; a Buffer's slice() is a view of its (pooled) memory, not a copy.
    if (value instanceof DataView || Buffer.isBuffer(value)) return value;
    let copy = copies.get(value);
    if (!copy) {
      copy = (value as unknown as { slice(): ArrayBufferView }).slice();
      copies.set(value, copy);
    }
    return copy;
  }
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY) return value;
    let changed: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = replace(value[i], copies, depth + 1);
      if (v !== value[i]) {
        changed ??= value.slice();
        changed[i] = v;
      }
    }
    return changed ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let changed: Record<string, unknown> | null = null;
  for (const [key, v] of Object.entries(value)) {
    const r = replace(v, copies, depth + 1);
    if (r !== v) {
      changed ??= { ...value };
      changed[key] = r;
    }
  }
  return changed ?? value;
}
