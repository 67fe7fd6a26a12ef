/**
 * OSM PBF framing, read defensively: the blocks of a `.osm.pbf` (4-byte length, BlobHeader, Blob) are
 * cut and inflated here, within the format's own limits (a BlobHeader ≤ 64 KiB, a Blob ≤ 32 MiB and
 * inflating to ≤ 32 MiB, https://wiki.openstreetmap.org/wiki/PBF_Format), and each data block is decoded
 * by `osm-pbf-parser-node`'s `parse`. Its own OSMTransform throws from inside the stream (a corrupt
 * block's zlib `incorrect data check`, an empty file's `Cannot read properties of null`), where no
 * caller can catch it, and inflates without a bound; here every problem is an ImportError naming the
 * file, the block and its byte offset, delivered through the stream.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { inflateSync } from 'node:zlib';
import { parse } from 'osm-pbf-parser-node';
import { ImportError } from './errors.js';

/** The PBF format's limits. */
export const MAX_BLOB_HEADER_BYTES = 64 * 1024;
export const MAX_BLOB_BYTES = 32 * 1024 * 1024;
export const MAX_BLOCK_BYTES = 32 * 1024 * 1024;

export interface PbfWithTags {
  node: boolean;
  way: boolean;
  relation: boolean;
}

/** Protobuf fields of one message: varints as numbers, length-delimited fields as buffers. */
function readFields(buf: Buffer, what: string): Map<number, number | Buffer> {
  const fields = new Map<number, number | Buffer>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error(`${what} is truncated`);
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new Error(`${what} has a malformed varint`);
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) fields.set(field, varint());
    else if (wire === 2) {
      const length = varint();
      if (pos + length > buf.length) throw new Error(`${what} is truncated`);
      fields.set(field, buf.subarray(pos, pos + length));
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`${what} has an unknown wire type ${wire}`);
  }
  return fields;
}

/** Bytes in, arrays of OSM items (nodes, ways, relations as osm-pbf-parser-node gives them) out. */
export class OsmPbfBlocks extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  /** Offset in the file of `buffer[0]`. */
  private base = 0;
  private blocks = 0;
  private stage: 'length' | 'header' | 'blob' = 'length';
  private needed = 4;
  private blobType = '';
  private blockStart = 0;
  /** Offset in the file of the part being read. */
  private at = 0;

  constructor(
    private readonly file: string,
    private readonly withTags: PbfWithTags,
  ) {
    super({ writableObjectMode: false, readableObjectMode: true });
  }

  private fail(problem: string): ImportError {
    return new ImportError(
      `cannot read the file as OSM PBF: block ${this.blocks + 1} (byte ${this.blockStart}): ${problem}`,
      { file: this.file },
    );
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      let offset = 0;
      while (this.buffer.length - offset >= this.needed) {
        this.at = this.base + offset;
        const part = this.buffer.subarray(offset, offset + this.needed);
        offset += this.needed;
        this.step(part);
      }
      this.buffer = this.buffer.subarray(offset);
      this.base += offset;
      callback();
    } catch (error) {
      callback(error instanceof ImportError ? error : this.fail((error as Error).message));
    }
  }

  private step(part: Buffer): void {
    if (this.stage === 'length') {
      this.blockStart = this.at;
      const length = part.readUInt32BE(0);
      if (length === 0 || length > MAX_BLOB_HEADER_BYTES)
        throw this.fail(`a BlobHeader of ${length} bytes (the format allows 1 to ${MAX_BLOB_HEADER_BYTES})`);
      this.stage = 'header';
      this.needed = length;
    } else if (this.stage === 'header') {
      const fields = readFields(part, 'the BlobHeader');
      const type = fields.get(1);
      const size = fields.get(3);
      if (!Buffer.isBuffer(type) || typeof size !== 'number')
        throw this.fail('a BlobHeader without type or size');
      this.blobType = type.toString('utf8');
      if (this.blobType !== 'OSMHeader' && this.blobType !== 'OSMData')
        throw this.fail(`an unknown block type ${JSON.stringify(this.blobType.slice(0, 40))}`);
      if (size > MAX_BLOB_BYTES)
        throw this.fail(`a block of ${size} bytes (the format allows at most ${MAX_BLOB_BYTES})`);
      this.stage = 'blob';
      this.needed = size;
    } else {
      const data = this.inflate(part);
      if (this.blobType === 'OSMData') {
        const items = parse(data, this.withTags as never);
        if (items.length > 0) this.push(items);
      }
      this.blocks++;
      this.stage = 'length';
      this.needed = 4;
    }
  }

  private inflate(blob: Buffer): Buffer {
    const fields = readFields(blob, 'the Blob');
    const raw = fields.get(1);
    const zlib = fields.get(3);
    const rawSize = fields.get(2);
    if (typeof rawSize === 'number' && rawSize > MAX_BLOCK_BYTES)
      throw this.fail(
        `a block of ${rawSize} bytes uncompressed (the format allows at most ${MAX_BLOCK_BYTES})`,
      );
    if (Buffer.isBuffer(raw)) return raw;
    if (!Buffer.isBuffer(zlib)) {
      const other = [4, 5, 6, 7].find((f) => fields.has(f));
      throw this.fail(
        other === undefined
          ? 'a block without data'
          : `a block compressed with ${['lzma', 'bzip2', 'lz4', 'zstd'][other - 4]} (only zlib is supported)`,
      );
    }
    try {
      return inflateSync(zlib, { maxOutputLength: MAX_BLOCK_BYTES });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw this.fail(
        e.code === 'ERR_BUFFER_TOO_LARGE'
          ? `a block inflates beyond the ${MAX_BLOCK_BYTES} bytes the format allows (a decompression bomb?)`
          : `corrupt compressed data (${e.message})`,
      );
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.stage !== 'length' || this.buffer.length > 0) {
      this.blockStart = this.base;
      callback(this.fail('the file ends inside a block (truncated download?)'));
    } else if (this.blocks === 0)
      callback(new ImportError('the file is empty (expected OSM PBF)', { file: this.file }));
    else callback();
  }
}
