import { describe, expect, it } from 'vitest';
import {
  OpeningHoursEvaluator,
  openingHoursProblem,
  stockholmWallClock,
} from '../../src/engine/opening-hours.js';

// Instants are written with their Stockholm offset (CET +01:00 in winter, CEST +02:00 in summer), worked
// out by hand from the EU rule (last Sunday of March / October, 01:00 UTC), not by the code under test.
const hours = new OpeningHoursEvaluator();
const open = (value: string | null, iso: string) => hours.isOpen(value, new Date(iso));

describe('opening hours at an instant (Europe/Stockholm, Swedish holidays)', () => {
  it('reads an instant in Stockholm wall-clock time, summer and winter', () => {
    const summer = stockholmWallClock(new Date('2026-07-01T08:15:00Z'));
    expect([summer.getHours(), summer.getMinutes(), summer.getDay()]).toEqual([10, 15, 3]);
    const winter = stockholmWallClock(new Date('2026-01-07T08:15:00Z'));
    expect([winter.getHours(), winter.getMinutes(), winter.getDay()]).toEqual([9, 15, 3]);
  });

  it('keeps overnight hours open past midnight and closed in the afternoon', () => {
    const night = 'Mo-Su 22:00-02:00';
    expect(open(night, '2026-06-10T23:30:00+02:00')).toBe(true);
    expect(open(night, '2026-06-11T01:30:00+02:00')).toBe(true);
    expect(open(night, '2026-06-11T02:30:00+02:00')).toBe(false);
    expect(open(night, '2026-06-11T14:00:00+02:00')).toBe(false);
  });

  it('closes on a Swedish public holiday with PH off', () => {
    const shop = 'Mo-Sa 08:00-20:00; PH off';
    expect(open(shop, '2026-06-05T12:00:00+02:00')).toBe(true); // Friday
    expect(open(shop, '2026-06-06T12:00:00+02:00')).toBe(false); // Saturday, Sveriges nationaldag
    expect(open(shop, '2026-12-25T12:00:00+01:00')).toBe(false); // Friday, juldagen
    expect(open(shop, '2026-12-23T12:00:00+01:00')).toBe(true); // Wednesday
  });

  it('follows seasonal rules', () => {
    const summerCafe = 'Jun-Aug Mo-Su 10:00-18:00';
    expect(open(summerCafe, '2026-07-01T12:00:00+02:00')).toBe(true);
    expect(open(summerCafe, '2026-07-01T19:00:00+02:00')).toBe(false);
    expect(open(summerCafe, '2026-09-01T12:00:00+02:00')).toBe(false);
    expect(open(summerCafe, '2026-05-31T12:00:00+02:00')).toBe(false);
  });

  it('counts unknown hours as open and says they are unknown', () => {
    expect(open(null, '2026-06-07T03:00:00+02:00')).toBe(true);
    expect(hours.isUnknown(null)).toBe(true);
    expect(hours.isUnknown('   ')).toBe(true);
    expect(hours.isUnknown('Mo-Fr 08:00-17:00')).toBe(false);
    // A value stored before validation existed: unknown, not an error at query time.
    expect(hours.isUnknown('whenever we feel like it')).toBe(true);
    expect(open('whenever we feel like it', '2026-06-07T03:00:00+02:00')).toBe(true);
  });

  it('uses the right offset on both sides of the DST changes', () => {
    const morning = 'Mo-Su 08:00-09:00';
    // 2026-03-29: clocks go 02:00 CET → 03:00 CEST. 06:30Z is 07:30 the day before, 08:30 after.
    expect(open(morning, '2026-03-28T07:30:00Z')).toBe(true); // 08:30 CET
    expect(open(morning, '2026-03-29T06:30:00Z')).toBe(true); // 08:30 CEST
    expect(open(morning, '2026-03-29T07:30:00Z')).toBe(false); // 09:30 CEST
    // 2026-10-25: clocks go 03:00 CEST → 02:00 CET, so 02:30 happens twice; both are inside 02:00-03:00.
    const repeatedHour = 'Mo-Su 02:00-03:00';
    expect(open(repeatedHour, '2026-10-25T00:30:00Z')).toBe(true); // 02:30 CEST
    expect(open(repeatedHour, '2026-10-25T01:30:00Z')).toBe(true); // 02:30 CET
    expect(open(repeatedHour, '2026-10-25T02:30:00Z')).toBe(false); // 03:30 CET
  });

  it('explains a value the library cannot parse', () => {
    expect(openingHoursProblem('Mo-Fr 08:00-17:00')).toBeNull();
    expect(openingHoursProblem('Mo-Fr 25:00-26:00 hello')).toMatch(/./);
    expect(openingHoursProblem('open sometimes')).toMatch(/./);
  });
});

describe('the demo data’s generated opening hours', () => {
  it('are all valid OSM syntax', async () => {
    const { DEMO_HOURS } = await import('../../src/demo/service-points.js');
    for (const [type, hoursOf] of Object.entries(DEMO_HOURS)) {
      for (const value of [hoursOf.small, hoursOf.large]) {
        if (value !== null) expect([type, openingHoursProblem(value)]).toEqual([type, null]);
      }
    }
  });
});

describe('opening hours of many points at one instant (openMask)', () => {
  const values = [
    'Mo-Sa 08:00-20:00; PH off',
    null,
    'Mo-Su 22:00-02:00',
    'Mo-Sa 08:00-20:00; PH off',
    '  ',
    'whenever we feel like it',
    'Jun-Aug Mo-Su 10:00-18:00',
    'Mo 10:00-12:00 unknown',
  ];
  const instants = [
    '2026-06-05T12:00:00+02:00',
    '2026-06-06T12:00:00+02:00',
    '2026-06-11T01:30:00+02:00',
    '2026-07-01T19:00:00+02:00',
    '2026-06-08T11:00:00+02:00',
  ];

  it('answers, value by value, what isOpen answers (each distinct value evaluated once)', () => {
    const batch = new OpeningHoursEvaluator();
    for (const iso of instants) {
      const mask = batch.openMask(values, new Date(iso));
      expect([...mask].map((v) => v === 1)).toEqual(values.map((v) => open(v, iso)));
    }
  });

  it('differs between a weekday noon and a holiday noon for a shop closed on holidays', () => {
    const batch = new OpeningHoursEvaluator();
    const shop = ['Mo-Sa 08:00-20:00; PH off'];
    expect([...batch.openMask(shop, new Date(instants[0]!))]).toEqual([1]);
    expect([...batch.openMask(shop, new Date(instants[1]!))]).toEqual([0]);
  });
});
