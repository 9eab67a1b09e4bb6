import { DateTime } from 'luxon';
import {
  explainPlan,
  isValidTimeZone,
  nextOpening,
  planSend,
  sendWindowProblems,
  type SendWindow,
} from '../../shared/send-window';

const ROME = 'Europe/Rome';
const office = [{ from: '09:00', to: '18:00' }];
const weekdays: SendWindow = {
  timeZone: ROME,
  hours: { monday: office, tuesday: office, wednesday: office, thursday: office, friday: office },
  closedDays: [],
};
/** Epoch ms of a local wall-clock time. */
const local = (iso: string, zone = ROME) => DateTime.fromISO(iso, { zone }).toMillis();
const iso = (ms: number, zone = ROME) => DateTime.fromMillis(ms, { zone }).toISO();

describe('planSend', () => {
  test('due inside the window: goes when due', () => {
    const dueAt = local('2026-12-01T10:00'); // a Tuesday
    expect(planSend({ dueAt, window: weekdays, zone: null, pausedUntil: null })).toEqual({
      dueAt,
      sendAt: dueAt,
      reasons: [],
      timeZone: ROME,
      pausedUntil: null,
    });
  });

  test('due on a Saturday: Monday at opening, "weekend"', () => {
    const plan = planSend({ dueAt: local('2026-12-05T10:00'), window: weekdays, zone: null, pausedUntil: null });
    expect(iso(plan.sendAt)).toBe('2026-12-07T09:00:00.000+01:00');
    expect(plan.reasons).toEqual(['weekend']);
    expect(explainPlan(plan, plan.sendAt + 1)).toBe('due Saturday 10:00, sent Monday 09:00: weekend');
    expect(explainPlan(plan, plan.dueAt)).toBe('due Saturday 10:00, goes Monday 09:00: weekend');
  });

  test('overdue on a Saturday (a timer fired late, an interval shortened): counted from now, Monday at opening', () => {
    const dueAt = local('2026-12-02T10:00'); // a Wednesday, inside the window
    const plan = planSend({ dueAt, now: local('2026-12-05T10:00'), window: weekdays, zone: null, pausedUntil: null });
    expect(plan.dueAt).toBe(dueAt);
    expect(iso(plan.sendAt)).toBe('2026-12-07T09:00:00.000+01:00');
    expect(plan.reasons).toEqual(['weekend']);
  });

  test('asked again while it waits (a holiday Friday, asked on Saturday): the due day’s reason stays', () => {
    const holidayFriday = { ...weekdays, closedDays: ['2026-12-04'] };
    const dueAt = local('2026-12-04T10:00');
    const plan = planSend({
      dueAt,
      now: local('2026-12-05T10:00'),
      window: holidayFriday,
      zone: null,
      pausedUntil: null,
    });
    expect(iso(plan.sendAt)).toBe('2026-12-07T09:00:00.000+01:00');
    expect(plan.reasons).toEqual(['holiday']);
  });

  test('overdue while the window is open: goes now', () => {
    const now = local('2026-12-01T11:00'); // a Tuesday
    const plan = planSend({ dueAt: local('2026-11-28T10:00'), now, window: weekdays, zone: null, pausedUntil: null });
    expect(plan).toMatchObject({ sendAt: now, reasons: [] });
  });

  test('before, between and after the hours of a day', () => {
    const split = {
      ...weekdays,
      hours: {
        tuesday: [
          { from: '14:00', to: '18:00' },
          { from: '08:00', to: '12:00' },
        ],
      },
    };
    const plan = (t: string) => planSend({ dueAt: local(t), window: split, zone: null, pausedUntil: null });
    expect(iso(plan('2026-12-01T07:00').sendAt)).toBe('2026-12-01T08:00:00.000+01:00');
    expect(iso(plan('2026-12-01T12:30').sendAt)).toBe('2026-12-01T14:00:00.000+01:00');
    expect(plan('2026-12-01T12:30').reasons).toEqual(['outside_hours']);
    expect(iso(plan('2026-12-01T18:00').sendAt)).toBe('2026-12-08T08:00:00.000+01:00');
    expect(plan('2026-12-01T17:59').reasons).toEqual([]);
  });

  test('a holiday is skipped, and named; a closed weekday is a closed day', () => {
    const w = { ...weekdays, closedDays: ['2026-12-08', '2026-12-09'] };
    const plan = planSend({ dueAt: local('2026-12-08T11:00'), window: w, zone: null, pausedUntil: null });
    expect(iso(plan.sendAt)).toBe('2026-12-10T09:00:00.000+01:00');
    expect(plan.reasons).toEqual(['holiday']);
    const noWednesday = { ...weekdays, hours: { ...weekdays.hours, wednesday: [] } };
    expect(
      planSend({ dueAt: local('2026-12-02T11:00'), window: noWednesday, zone: null, pausedUntil: null }).reasons,
    ).toEqual(['closed_day']);
  });

  test('the window is read in the recipient’s zone', () => {
    const plan = planSend({
      dueAt: local('2026-12-07T10:00'), // Monday 10:00 in Rome is 04:00 in New York
      window: weekdays,
      zone: 'America/New_York',
      pausedUntil: null,
    });
    expect(iso(plan.sendAt, 'America/New_York')).toBe('2026-12-07T09:00:00.000-05:00');
    expect(plan.timeZone).toBe('America/New_York');
    expect(explainPlan(plan, 0)).toBe('due Monday 04:00, goes Monday 09:00: outside business hours');
  });

  test('a pause holds it until it ends, then the window applies', () => {
    const plan = planSend({
      dueAt: local('2026-12-02T10:00'),
      window: weekdays,
      zone: null,
      pausedUntil: local('2026-12-05T12:00'), // ends on a Saturday
    });
    expect(iso(plan.sendAt)).toBe('2026-12-07T09:00:00.000+01:00');
    expect(plan.reasons).toEqual(['paused', 'weekend']);
    expect(explainPlan(plan, 0)).toBe(
      'due Wednesday 10:00, goes Monday 09:00: paused until Saturday 12:00, then weekend',
    );
    // A pause that ended before the reminder fell due changes nothing; no window: the pause's end.
    expect(
      planSend({
        dueAt: local('2026-12-02T10:00'),
        window: weekdays,
        zone: null,
        pausedUntil: local('2026-12-01T10:00'),
      }).reasons,
    ).toEqual([]);
    expect(planSend({ dueAt: 1000, window: null, zone: null, pausedUntil: 5000 }).sendAt).toBe(5000);
  });
});

describe('daylight-saving changes', () => {
  test('spring forward (Rome, 29 March 2026): Monday opens at 09:00 local, now UTC+2', () => {
    const plan = planSend({ dueAt: local('2026-03-27T19:00'), window: weekdays, zone: null, pausedUntil: null });
    expect(iso(plan.sendAt)).toBe('2026-03-30T09:00:00.000+02:00');
    expect(new Date(plan.sendAt).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(explainPlan(plan, 0)).toBe('due Friday 19:00, goes Monday 09:00: outside business hours');
  });

  test('fall back (Rome, 25 October 2026): Monday opens at 09:00 local, now UTC+1', () => {
    const plan = planSend({ dueAt: local('2026-10-24T10:00'), window: weekdays, zone: null, pausedUntil: null });
    expect(new Date(plan.sendAt).toISOString()).toBe('2026-10-26T08:00:00.000Z');
    // 47 hours of wall clock, 48 of real time: the night of the change has an hour more.
    expect((plan.sendAt - plan.dueAt) / 3_600_000).toBe(48);
  });

  test('an opening inside the skipped hour goes at the first instant after it', () => {
    const night = { ...weekdays, hours: { sunday: [{ from: '02:30', to: '04:00' }] } };
    const open = nextOpening(local('2026-03-29T00:00'), night, ROME)!;
    expect(new Date(open.at).toISOString()).toBe('2026-03-29T01:30:00.000Z'); // 03:30 local, UTC+2
    expect(open.reason).toBe('outside_hours');
  });

  test('an opening inside the repeated hour goes at its first occurrence', () => {
    const night = { ...weekdays, hours: { sunday: [{ from: '02:30', to: '04:00' }] } };
    const open = nextOpening(local('2026-10-25T00:00'), night, ROME)!;
    expect(new Date(open.at).toISOString()).toBe('2026-10-25T00:30:00.000Z'); // 02:30 local, still UTC+2
  });
});

describe('sendWindowProblems', () => {
  const now = local('2026-12-01T10:00');
  test('a good window has none; 24:00 closes at midnight', () => {
    expect(sendWindowProblems(weekdays, now)).toEqual([]);
    expect(sendWindowProblems({ ...weekdays, hours: { sunday: [{ from: '20:00', to: '24:00' }] } }, now)).toEqual([]);
  });
  test('a window that never opens is refused', () => {
    expect(sendWindowProblems({ ...weekdays, hours: {} }, now)).toEqual([
      { field: 'hours', message: 'the window never opens' },
    ]);
    expect(sendWindowProblems({ ...weekdays, hours: { monday: [] } }, now)).toHaveLength(1);
  });
  test('each bad part is named', () => {
    const fields = (w: Partial<SendWindow>) => sendWindowProblems({ ...weekdays, ...w }, now).map((p) => p.field);
    expect(fields({ timeZone: 'Mars/Olympus' })).toEqual(['timeZone']);
    expect(fields({ timeZone: '+01:00' })).toEqual(['timeZone']);
    expect(fields({ hours: { monday: [{ from: '18:00', to: '09:00' }] } })).toEqual(['hours.monday.0.to']);
    expect(fields({ hours: { monday: [{ from: '9:00', to: '12:00' }] } })).toEqual(['hours.monday.0.from']);
    expect(fields({ hours: { monday: [{ from: '24:00', to: '24:00' }] } })).toEqual(['hours.monday.0.from']);
    expect(
      fields({
        hours: {
          monday: [
            { from: '09:00', to: '12:00' },
            { from: '11:00', to: '13:00' },
          ],
        },
      }),
    ).toEqual(['hours.monday']);
    expect(fields({ closedDays: ['2026-02-30'] })).toEqual(['closedDays.0']);
  });
  test('time zones', () => {
    expect(isValidTimeZone('Europe/Rome')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('EST5EDT')).toBe(false);
  });
});
