/**
 * The OSM PBF framing (src/import/osm-pbf.ts): a corrupt, empty, truncated or oversized file is an
 * ImportError delivered through the stream (catchable, naming file, block and byte), never an exception
 * thrown out of the stream's internals as osm-pbf-parser-node's own OSMTransform does; a block that
 * inflates beyond the format's 32 MiB is refused before it is held in memory.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { OSMTransform } from 'osm-pbf-parser-node';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/import/errors.js';
import { MAX_BLOCK_BYTES, OsmPbfBlocks } from '../../src/import/osm-pbf.js';
import { sharedDataFile } from '../helpers/shared-data.js';

const ANDORRA = sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf');
const ALL_TAGS = { node: true, way: true, relation: true };

/** Every item of `bytes` (fed in 64 KiB chunks), or the error the stream ended with. */
async function readAll(bytes: Buffer): Promise<{ items: { type?: string }[]; error: unknown }> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
  const stream = Readable.from(chunks).pipe(new OsmPbfBlocks('x.osm.pbf', ALL_TAGS));
  const items: { type?: string }[] = [];
  try {
    for await (const batch of stream as AsyncIterable<{ type?: string }[]>) items.push(...batch);
    return { items, error: null };
  } catch (error) {
    return { items, error };
  }
}

/** Protobuf: a length-delimited field, a varint field. */
const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
};
const bytesField = (field: number, value: Buffer) =>
  Buffer.concat([varint(field * 8 + 2), varint(value.length), value]);
const varintField = (field: number, value: number) => Buffer.concat([varint(field * 8), varint(value)]);

/** One PBF block: length, BlobHeader { type, datasize }, Blob. */
function block(type: string, blob: Buffer): Buffer {
  const header = Buffer.concat([bytesField(1, Buffer.from(type)), varintField(3, blob.length)]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, blob]);
}

describe('OSM PBF framing', () => {
  it('reads the real Andorra extract: the same items as the library framing does', async () => {
    const { items, error } = await readAll(readFileSync(ANDORRA));
    expect(error).toBeNull();
    const oracle: { type?: string }[] = [];
    const stream = createReadStream(ANDORRA).pipe(new OSMTransform({ withTags: true, withInfo: false }));
    for await (const batch of stream as AsyncIterable<{ type?: string }[]>)
      for (const item of batch) if (item.type) oracle.push(item);
    const count = (list: { type?: string }[], type: string) => list.filter((i) => i.type === type).length;
    for (const type of ['node', 'way', 'relation']) expect(count(items, type)).toBe(count(oracle, type));
    expect(count(items, 'way')).toBeGreaterThan(10_000);
    expect(items.filter((i) => i.type)).toEqual(oracle);
  });

  it('a corrupt block is an ImportError naming the file, block, byte and zlib reason', async () => {
    const bytes = Buffer.from(readFileSync(ANDORRA));
    bytes.fill(0, Math.floor(bytes.length / 3), Math.floor(bytes.length / 3) + 64);
    const { error } = await readAll(bytes);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(
      /^x\.osm\.pbf: cannot read the file as OSM PBF: block \d+ \(byte \d+\): corrupt compressed data \(incorrect data check\)$/,
    );
  });

  it('an empty file, a truncated file and garbage are ImportErrors', async () => {
    expect(((await readAll(Buffer.alloc(0))).error as Error).message).toBe(
      'x.osm.pbf: the file is empty (expected OSM PBF)',
    );
    const whole = readFileSync(ANDORRA);
    const truncated = await readAll(whole.subarray(0, whole.length - 1000));
    expect(truncated.error).toBeInstanceOf(ImportError);
    expect((truncated.error as Error).message).toMatch(/the file ends inside a block/);
    const garbage = await readAll(Buffer.from('<?xml version="1.0"?><osm></osm>'));
    expect(garbage.error).toBeInstanceOf(ImportError);
    expect((garbage.error as Error).message).toMatch(
      /a BlobHeader of \d+ bytes \(the format allows 1 to 65536\)/,
    );
  });

  it('a block that inflates beyond 32 MiB is refused (a 40 KiB decompression bomb)', async () => {
    const zeros = deflateSync(Buffer.alloc(MAX_BLOCK_BYTES + 1024 * 1024), { level: 9 });
    expect(zeros.length).toBeLessThan(100_000);
    // raw_size lies (says 1 KiB), so only the bounded inflate can catch it.
    const bomb = block('OSMData', Buffer.concat([varintField(2, 1024), bytesField(3, zeros)]));
    const { error } = await readAll(bomb);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(/inflates beyond the 33554432 bytes the format allows/);
  });

  it('a block header declaring more than 32 MiB is refused before it is buffered', async () => {
    const header = Buffer.concat([bytesField(1, Buffer.from('OSMData')), varintField(3, 2 ** 31)]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    const { error } = await readAll(Buffer.concat([length, header, Buffer.alloc(100)]));
    expect((error as Error).message).toMatch(
      /a block of 2147483648 bytes \(the format allows at most 33554432\)/,
    );
  });
});
