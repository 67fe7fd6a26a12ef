import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, ImportOptionError } from '../../src/import/errors.js';
import {
  checkDownloadUrl,
  downloadFile,
  downloadName,
  parseSha256,
} from '../../src/import/roads/download.js';
import { type FileServer, startFileServer } from '../helpers/file-server.js';
import { sharedDataFile } from '../helpers/shared-data.js';

const PBF = readFileSync(sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf'));
/** The vendored file's checksum, as its SOURCE.md states it. */
const SHA = 'b930084d27461716f4396a878e29baa17bfd51e22378fef5659863b01128a739';
const NAME = 'andorra-latest.osm.pbf';

describe('downloading a road file (local HTTP server on 127.0.0.1)', () => {
  let server: FileServer;
  let dir: string;
  beforeAll(async () => {
    expect(createHash('sha256').update(PBF).digest('hex')).toBe(SHA);
    server = await startFileServer(NAME, PBF);
  });
  afterAll(() => server?.close());
  afterEach(() => {
    server.requests.length = 0;
    server.cut(0, 0);
    server.setBody(PBF, 'v1');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const fresh = () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-download-'));
    return dir;
  };
  const options = (d: string) => ({ dir: d, allowHttp: true, retryDelayMs: 10 });

  it('resumes a cut connection with HTTP Range + If-Range and gets the exact file', async () => {
    const d = fresh();
    server.cut(2, 300_000);
    const r = await downloadFile(server.url, { ...options(d), sha256: SHA });
    expect(r.sha256).toBe(SHA);
    expect(r.bytes).toBe(PBF.length);
    expect(readFileSync(r.path).equals(PBF)).toBe(true);
    expect(r.path).toBe(join(d, NAME));
    // What reached the disk before each cut (at most what the server sent) is where the next range starts.
    expect(server.requests.map((q) => [q.status, q.ifRange])).toEqual([
      [200, undefined],
      [206, '"v1"'],
      [206, '"v1"'],
    ]);
    const starts = server.requests.slice(1).map((q) => Number(/^bytes=(\d+)-$/.exec(q.range ?? '')?.[1]));
    expect(r.resumedFrom).toEqual(starts);
    expect(starts[0]).toBeGreaterThan(0);
    expect(starts[0]).toBeLessThanOrEqual(300_000);
    expect(starts[1]).toBeGreaterThan(starts[0]!);
    expect(starts[1]).toBeLessThanOrEqual(starts[0]! + 300_000);
    // Only the finished file and its note remain.
    expect(readdirSync(d).sort()).toEqual([NAME, `${NAME}.json`]);
  });

  it('keeps the partial file when the retries run out, and the next run resumes it', async () => {
    const d = fresh();
    server.cut(1, 500_000);
    const first = downloadFile(server.url, { ...options(d), retries: 0 });
    await expect(first).rejects.toThrow(ImportError);
    await expect(first).rejects.toThrow(/run the same command again to resume/);
    const kept = statSync(join(d, `${NAME}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(500_000);
    expect(existsSync(join(d, NAME))).toBe(false);
    const second = await downloadFile(server.url, { ...options(d), retries: 0, sha256: SHA });
    expect(second.sha256).toBe(SHA);
    expect(server.requests.at(-1)).toMatchObject({ status: 206, range: `bytes=${kept}-` });
  });

  it('starts over when the file changed on the server between the cut and the resume', async () => {
    const d = fresh();
    server.cut(1, 400_000);
    await expect(downloadFile(server.url, { ...options(d), retries: 0 })).rejects.toThrow(/resume/);
    const kept = statSync(join(d, `${NAME}.part`)).size;
    const changed = Buffer.concat([PBF, Buffer.from('changed')]);
    server.setBody(changed, 'v2');
    const r = await downloadFile(server.url, options(d));
    expect(readFileSync(r.path).equals(changed)).toBe(true);
    // If-Range named v1, so the server sent the whole new file (200), not a range of it.
    expect(server.requests.at(-1)).toMatchObject({ status: 200, range: `bytes=${kept}-`, ifRange: '"v1"' });
  });

  it('refuses a checksum mismatch: deletes the download, keeps nothing', async () => {
    const d = fresh();
    const wrong = 'f'.repeat(64);
    const r = downloadFile(server.url, { ...options(d), sha256: wrong });
    await expect(r).rejects.toThrow(ImportError);
    await expect(r).rejects.toThrow(
      new RegExp(`checksum mismatch: expected SHA-256 ${wrong}, the download has ${SHA}`),
    );
    expect(readdirSync(d)).toEqual([]);
  });

  it('uses a finished download again when the server says 304 Not Modified, or its checksum matches', async () => {
    const d = fresh();
    await downloadFile(server.url, options(d));
    const again = await downloadFile(server.url, options(d));
    expect(again.reused).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({ status: 304, ifNoneMatch: '"v1"' });
    const before = server.requests.length;
    const byChecksum = await downloadFile(server.url, { ...options(d), sha256: SHA });
    expect(byChecksum.reused).toBe(true);
    expect(server.requests.length).toBe(before); // no request at all
  });

  it('says HTTP errors plainly and downloads nothing', async () => {
    const d = fresh();
    await expect(downloadFile(`${server.url}.missing`, options(d))).rejects.toThrow(/HTTP 404/);
    expect(readdirSync(d).filter((f) => !f.endsWith('.json'))).toEqual([]);
  });

  it('takes https only, unless --allow-http; refuses other schemes and bad checksums', () => {
    expect(() => checkDownloadUrl('http://example.org/a.osm.pbf', false)).toThrow(ImportOptionError);
    expect(() => checkDownloadUrl('http://example.org/a.osm.pbf', false)).toThrow(/refusing plain http/);
    expect(checkDownloadUrl('http://example.org/a.osm.pbf', true).protocol).toBe('http:');
    expect(checkDownloadUrl('https://download.geofabrik.de/europe/sweden-latest.osm.pbf', false).host).toBe(
      'download.geofabrik.de',
    );
    expect(() => checkDownloadUrl('ftp://example.org/a.osm.pbf', true)).toThrow(/only https/);
    expect(() => checkDownloadUrl('file:///etc/passwd', true)).toThrow(/only https/);
    expect(() => parseSha256('abc')).toThrow(/64 hexadecimal digits/);
    expect(parseSha256(`SHA256:${SHA.toUpperCase()}`)).toBe(SHA);
    expect(downloadName(new URL('https://download.geofabrik.de/europe/sweden-latest.osm.pbf'))).toBe(
      'sweden-latest.osm.pbf',
    );
    expect(downloadName(new URL('https://x.org/a/../%2e%2e%2fetc'))).not.toMatch(/[/\\]|^\./);
  });
});
