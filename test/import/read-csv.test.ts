import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImportError, detectDelimiter, readAllRecords } from '../../src/import/index.js';
import { fixture } from './helpers.js';

describe('detectDelimiter', () => {
  it('picks the most frequent of , ; and tab outside quotes', () => {
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('tätort;befolkning;kommunkod')).toBe(';');
    expect(detectDelimiter('"a;b;c",d,e')).toBe(',');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
  });

  it('falls back to a comma for a one-column header', () => {
    expect(detectDelimiter('name')).toBe(',');
  });
});

describe('reading CSV', () => {
  it('reads a ;-separated file with a BOM (a Swedish Excel export)', async () => {
    const file = fixture('semicolon-bom.csv', '\uFEFFtätort;befolkning;lon;lat\nKällby;771;13,30;58,51\n');
    const records = await readAllRecords(file);
    expect(records).toHaveLength(1);
    expect(Object.keys(records[0]!.properties)).toEqual(['tätort', 'befolkning', 'lon', 'lat']);
    expect(records[0]!.properties).toEqual({
      tätort: 'Källby',
      befolkning: '771',
      lon: '13,30',
      lat: '58,51',
    });
    expect(records[0]).toMatchObject({
      format: 'csv',
      position: { line: 2, featureIndex: null },
      geometry: null,
    });
  });

  it('reads a ,-separated file without a BOM', async () => {
    const file = fixture('comma.csv', 'name,population\nLudvika,15614\n"Smedjebacken, centrum",5000\n');
    const records = await readAllRecords(file);
    expect(records.map((r) => r.properties.name)).toEqual(['Ludvika', 'Smedjebacken, centrum']);
  });

  it('counts lines from the header across blank lines, CRLF and quoted line breaks', async () => {
    const file = fixture('lines.csv', 'name,population\r\nA,1\r\n\r\n"B\r\nsecond line",2\r\nC,3\r\n');
    const records = await readAllRecords(file);
    expect(records.map((r) => [r.properties.name, r.position.line])).toEqual([
      ['A', 2],
      ['B\r\nsecond line', 4],
      ['C', 6],
    ]);
  });

  it('counts lines the same way with LF line ends', async () => {
    const file = fixture('lines-lf.csv', 'name,population\nA,1\n\n"B\nsecond line",2\nC,3');
    const records = await readAllRecords(file);
    expect(records.map((r) => r.position.line)).toEqual([2, 4, 6]);
  });

  it('rejects a row with the wrong number of fields, naming its line, and reads on', async () => {
    const file = fixture('ragged.csv', 'name;population\nA;1\nB;2;extra\nC;3\n');
    const records = await readAllRecords(file);
    expect(records).toHaveLength(3);
    expect(records[1]!.rejection).toEqual({
      kind: 'error',
      field: null,
      message: 'has 3 fields but the header has 2 (delimiter ";"; an unquoted ";" inside a value?)',
    });
    expect(records[1]!.position.line).toBe(3);
    expect(records[2]!.rejection).toBeUndefined();
  });

  it('trims header names and rejects a duplicated column', async () => {
    expect((await readAllRecords(fixture('trim.csv', ' name , population\nA,1\n')))[0]!.properties).toEqual({
      name: 'A',
      population: '1',
    });
    await expect(readAllRecords(fixture('dup.csv', 'name,name\nA,B\n'))).rejects.toThrow(
      /dup\.csv: line 1: the header names column "name" twice/,
    );
  });

  it('rejects a file that is not UTF-8, saying how to convert it', async () => {
    const latin1 = Buffer.from('name,population\nK\xe4llby,771\n', 'latin1');
    await expect(readAllRecords(fixture('latin1.csv', latin1))).rejects.toThrow(
      /latin1\.csv: line 2: the file is not valid UTF-8.*iconv -f WINDOWS-1252/,
    );
  });

  it('reports an unterminated quote as an ImportError', async () => {
    const promise = readAllRecords(fixture('quote.csv', 'name,population\n"A,1\n'));
    await expect(promise).rejects.toBeInstanceOf(ImportError);
    await expect(readAllRecords(fixture('quote2.csv', 'name,population\n"A,1\n'))).rejects.toThrow(
      /not valid CSV/,
    );
  });

  it('rejects an empty file', async () => {
    await expect(readAllRecords(fixture('empty.csv', ''))).rejects.toThrow(
      /empty \(a header row is required\)/,
    );
  });

  it('reads a gzip-compressed CSV by its .gz suffix', async () => {
    const file = fixture('packed.csv.gz', gzipSync('name;population\nA;1\n'));
    expect((await readAllRecords(file))[0]!.properties).toEqual({ name: 'A', population: '1' });
  });

  it('says so when a file does not exist', async () => {
    await expect(readAllRecords('/nonexistent/x.csv')).rejects.toThrow('/nonexistent/x.csv: file not found');
  });
});
