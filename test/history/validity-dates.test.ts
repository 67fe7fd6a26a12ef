import { describe, expect, it } from 'vitest';
import { datedPeriod } from '../../src/modules/history/validity-dates.js';

describe('the validity period a date falls in (dated snapshots are cached per period)', () => {
  const boundaries = ['2019-06-30', '2024-01-01', '2026-01-01'];

  it('names the latest boundary on or before the day', () => {
    expect(datedPeriod(boundaries, '2019-06-30')).toBe('2019-06-30');
    expect(datedPeriod(boundaries, '2023-12-31')).toBe('2019-06-30');
    expect(datedPeriod(boundaries, '2024-01-01')).toBe('2024-01-01');
    expect(datedPeriod(boundaries, '2025-06-30')).toBe('2024-01-01');
    expect(datedPeriod(boundaries, '2031-02-03')).toBe('2026-01-01');
  });

  it('puts every day before the first boundary, and every day of data without dates, in one period', () => {
    expect(datedPeriod(boundaries, '2019-06-29')).toBe('');
    expect(datedPeriod(boundaries, '1900-01-01')).toBe('');
    expect(datedPeriod([], '2024-05-05')).toBe('');
  });
});
