import { describe, expect, it } from 'vitest';
import { ImportError, ImportOptionError, ImportValidationError } from '../../src/import/index.js';

describe('ImportError', () => {
  it('names the file, the CSV line and the field, then the problem', () => {
    const error = new ImportError('must be a non-negative integer (got "-3")', {
      file: 'tatorter.csv',
      line: 17,
      field: 'population',
    });
    expect(error.message).toBe(
      'tatorter.csv: line 17, field "population": must be a non-negative integer (got "-3")',
    );
    expect(error).toMatchObject({ file: 'tatorter.csv', line: 17, featureIndex: null, field: 'population' });
    expect(error).toBeInstanceOf(Error);
  });

  it('names the GeoJSON feature index when there is no line', () => {
    const error = new ImportError('unknown service type "GROCERIES"', {
      file: 'points.geojson',
      featureIndex: 4,
      field: 'serviceTypes',
    });
    expect(error.message).toBe(
      'points.geojson: feature 4, field "serviceTypes": unknown service type "GROCERIES"',
    );
    expect(error.line).toBeNull();
  });

  it('names the file’s own column when --map renamed the field', () => {
    const error = new ImportError('is required', {
      file: 'f.csv',
      line: 3,
      field: 'population',
      sourceField: 'befolkning',
    });
    expect(error.message).toBe('f.csv: line 3, field "population" (column "befolkning"): is required');
  });

  it('leaves out what it does not know', () => {
    expect(new ImportError('file not found', { file: 'x.csv' }).message).toBe('x.csv: file not found');
    expect(new ImportError('bad row', { file: 'x.csv', line: 2 }).message).toBe('x.csv: line 2: bad row');
  });
});

describe('ImportValidationError', () => {
  const errors = Array.from(
    { length: 25 },
    (_, i) => new ImportError('is required', { file: 'f.csv', line: i + 2, field: 'name' }),
  );

  it('lists the first 20 errors and counts the rest', () => {
    const error = new ImportValidationError('f.csv', errors);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('f.csv: 25 problems found; nothing was imported.');
    expect(lines[1]).toBe('  line 2, field "name": is required');
    expect(lines[20]).toBe('  line 21, field "name": is required');
    expect(lines[21]).toBe('  … and 5 more');
    expect(lines).toHaveLength(22);
    expect(error.errors).toHaveLength(25);
  });

  it('says "1 problem" for one', () => {
    expect(new ImportValidationError('f.csv', errors.slice(0, 1)).message).toMatch(
      /^f\.csv: 1 problem found/,
    );
  });
});

describe('ImportOptionError', () => {
  it('names the option', () => {
    expect(new ImportOptionError('--map', 'bad').message).toBe('--map: bad');
  });
});
