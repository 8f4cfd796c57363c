import { describe, expect, it } from 'vitest';
import { createLoadShedder, type Priority, parsePriority } from '../../sample-system/resilience/load-shedding.ts';

describe('load shedding by priority', () => {
  it('sheds background first, then normal, and critical only when full', () => {
    const shedder = createLoadShedder({ maxInFlight: 10, enabled: true });
    const admitted = (p: Priority): boolean => shedder.tryAdmit(p).admitted;
    for (let i = 0; i < 5; i++) expect(admitted('background')).toBe(true);
    expect(admitted('background')).toBe(false); // 5 of 10 in flight: background stops at half
    for (let i = 0; i < 4; i++) expect(admitted('normal')).toBe(true);
    expect(admitted('normal')).toBe(false); // 9 of 10: normal stops at 90%
    expect(admitted('critical')).toBe(true);
    expect(admitted('critical')).toBe(false); // 10 of 10: full
    expect(shedder.inFlight()).toBe(10);
  });

  it('admits again as requests finish, and a release counts once', () => {
    const shedder = createLoadShedder({ maxInFlight: 2, enabled: true });
    const a = shedder.tryAdmit('critical');
    shedder.tryAdmit('critical');
    expect(shedder.tryAdmit('critical').admitted).toBe(false);
    if (!a.admitted) throw new Error('unreachable');
    a.release();
    a.release();
    expect(shedder.inFlight()).toBe(1);
    expect(shedder.tryAdmit('critical').admitted).toBe(true);
  });

  it('says how full it is and when to come back', () => {
    const shedder = createLoadShedder({ maxInFlight: 2, enabled: true, retryAfterS: 2 });
    shedder.tryAdmit('critical');
    expect(shedder.tryAdmit('background')).toEqual({ admitted: false, inFlight: 1, limit: 1, retryAfterS: 2 });
  });

  it('switched off, admits everything but still counts', () => {
    const shedder = createLoadShedder({ maxInFlight: 1, enabled: false });
    for (let i = 0; i < 5; i++) expect(shedder.tryAdmit('background').admitted).toBe(true);
    expect(shedder.inFlight()).toBe(5);
  });

  it('reads the priority header, defaulting to normal', () => {
    expect(parsePriority('Background')).toBe('background');
    expect(parsePriority(['critical'])).toBe('critical');
    expect(parsePriority(undefined)).toBe('normal');
    expect(parsePriority('urgent')).toBe('normal');
  });
});
