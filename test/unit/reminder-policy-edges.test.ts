// nextStep beyond the basics of reminder-policy.test.ts: the schedule as it plays out over time, settings
// changed mid-cycle (shortened interval, lowered or raised count, switched off), and a new cycle.
import { nextStep, validateSettings, REMINDER_LIMITS, type NextStep } from '../../shared/reminder-policy';
import type { ItemSnapshot } from '../../shared/reminder-types';

const DAY = 86400;
const DAY_MS = DAY * 1000;
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const sent: ItemSnapshot = {
  doneReason: null,
  settings: { enabled: true, intervalDays: 3, count: 3 },
  cycleKey: 'msg-1.r0',
  subjectKey: 'msg-1',
  notificationSent: true,
  anchorAt: T0,
  remindersSent: 0,
};

/**
 * Plays the workflow's loop with a clock: notify, wait until due, remind (moving the anchor to the send
 * time), until nextStep says stop. Returns the send times and the stop.
 */
function play(
  start: ItemSnapshot,
  now: number,
  daySeconds = DAY,
): { sends: { kind: string; at: number; seq?: number }[]; stop: NextStep } {
  const s = { ...start };
  const sends: { kind: string; at: number; seq?: number }[] = [];
  for (let i = 0; i < 100; i++) {
    const next = nextStep(s, daySeconds);
    if (next.step === 'stop') return { sends, stop: next };
    if (next.step === 'notify') {
      sends.push({ kind: 'notification', at: now });
      Object.assign(s, { notificationSent: true, anchorAt: now });
      continue;
    }
    now = Math.max(now, next.dueAt);
    sends.push({ kind: 'reminder', at: now, seq: next.seq });
    Object.assign(s, { remindersSent: next.seq, anchorAt: now });
  }
  throw new Error('never stopped');
}

describe('the schedule over time', () => {
  test('notification, then `count` reminders `intervalDays` apart, then count_reached', () => {
    const { sends, stop } = play({ ...sent, notificationSent: false, anchorAt: null }, T0);
    expect(sends).toEqual([
      { kind: 'notification', at: T0 },
      { kind: 'reminder', at: T0 + 3 * DAY_MS, seq: 1 },
      { kind: 'reminder', at: T0 + 6 * DAY_MS, seq: 2 },
      { kind: 'reminder', at: T0 + 9 * DAY_MS, seq: 3 },
    ]);
    expect(stop).toEqual({ step: 'stop', reason: 'count_reached' });
  });

  test('with reminders off, the notification still goes out and then it stops as "off"', () => {
    const { sends, stop } = play(
      { ...sent, notificationSent: false, anchorAt: null, settings: { enabled: false, intervalDays: 3, count: 3 } },
      T0,
    );
    expect(sends.map((s) => s.kind)).toEqual(['notification']);
    expect(stop).toEqual({ step: 'stop', reason: 'off' });
  });

  test('a short test day scales every wait (daySeconds 0.2: 3 days = 600 ms)', () => {
    const { sends } = play({ ...sent, settings: { enabled: true, intervalDays: 3, count: 2 } }, T0, 0.2);
    expect(sends.map((s) => s.at - T0)).toEqual([600, 1200]);
  });
});

describe('settings changed mid-cycle', () => {
  test('a shortened interval whose due time has passed sends one reminder now, not a backlog', () => {
    // Notified 10 days ago with a 30-day interval; the firm shortens it to 2 days.
    const now = T0 + 10 * DAY_MS;
    const s = { ...sent, settings: { enabled: true, intervalDays: 2, count: 5 } };
    const first = nextStep(s, DAY);
    expect(first).toEqual({ step: 'remind', seq: 1, dueAt: T0 + 2 * DAY_MS });
    expect(first.step === 'remind' && first.dueAt < now).toBe(true);
    // That reminder moves the anchor: the next one is two days after it, not also overdue.
    const { sends } = play(s, now);
    expect(sends.map((x) => (x.at - now) / DAY_MS)).toEqual([0, 2, 4, 6, 8]);
  });

  test('a lengthened interval moves the due time out from the same anchor', () => {
    const s = { ...sent, remindersSent: 1, anchorAt: T0 };
    expect(nextStep({ ...s, settings: { ...s.settings, intervalDays: 10 } }, DAY)).toEqual({
      step: 'remind',
      seq: 2,
      dueAt: T0 + 10 * DAY_MS,
    });
  });

  test('a count lowered below what was already sent stops it (count_reached, never negative)', () => {
    expect(nextStep({ ...sent, remindersSent: 3, settings: { ...sent.settings, count: 1 } }, DAY)).toEqual({
      step: 'stop',
      reason: 'count_reached',
    });
  });

  test('a count raised after it was reached resumes with the next sequence number, from the last reminder', () => {
    const s = { ...sent, remindersSent: 3, anchorAt: T0 + 9 * DAY_MS };
    expect(nextStep(s, DAY)).toEqual({ step: 'stop', reason: 'count_reached' });
    expect(nextStep({ ...s, settings: { ...s.settings, count: 4 } }, DAY)).toEqual({
      step: 'remind',
      seq: 4,
      dueAt: T0 + 12 * DAY_MS,
    });
  });

  test('switched off mid-cycle stops it; switched on again it resumes where it was', () => {
    const s = { ...sent, remindersSent: 1, anchorAt: T0 + 3 * DAY_MS };
    expect(nextStep({ ...s, settings: { ...s.settings, enabled: false } }, DAY)).toEqual({
      step: 'stop',
      reason: 'off',
    });
    expect(nextStep(s, DAY)).toEqual({ step: 'remind', seq: 2, dueAt: T0 + 6 * DAY_MS });
  });

  test('"off" is reported before "count_reached"', () => {
    expect(nextStep({ ...sent, remindersSent: 3, settings: { ...sent.settings, enabled: false } }, DAY)).toEqual({
      step: 'stop',
      reason: 'off',
    });
  });
});

describe('cycles', () => {
  test('a new cycle (a new firm message, or a reopen) starts from zero at its own anchor', () => {
    // The snapshot of the new cycle: reminders of the old one do not count, the anchor is the reopen.
    const reopenedAt = T0 + 20 * DAY_MS;
    expect(nextStep({ ...sent, cycleKey: 'msg-1.r1', remindersSent: 0, anchorAt: reopenedAt }, DAY)).toEqual({
      step: 'remind',
      seq: 1,
      dueAt: reopenedAt + 3 * DAY_MS,
    });
  });

  test('a new subject whose notification has not gone out yet: notify first, even mid-schedule', () => {
    expect(
      nextStep({ ...sent, subjectKey: 'msg-2', cycleKey: 'msg-2.r0', notificationSent: false, remindersSent: 2 }, DAY),
    ).toEqual({ step: 'notify' });
  });

  test('notified but no anchor known: due at once (epoch 0 + interval)', () => {
    expect(nextStep({ ...sent, anchorAt: null }, DAY)).toEqual({ step: 'remind', seq: 1, dueAt: 3 * DAY_MS });
  });

  test.each(['replied', 'signed', 'approved', 'archived', 'cancelled', 'deleted', 'no_firm_message'] as const)(
    'done (%s) wins over off and count_reached',
    (reason) => {
      expect(
        nextStep(
          { ...sent, doneReason: reason, remindersSent: 9, settings: { ...sent.settings, enabled: false } },
          DAY,
        ),
      ).toEqual({ step: 'stop', reason });
    },
  );
});

describe('validateSettings bounds', () => {
  test.each([
    ['intervalDays 1, count 1', { intervalDays: 1, count: 1 }],
    ['the maxima', { intervalDays: REMINDER_LIMITS.maxIntervalDays, count: REMINDER_LIMITS.maxCount }],
  ])('accepts %s, whether enabled or not', (_, s) => {
    expect(validateSettings({ enabled: true, ...s })).toBeNull();
    expect(validateSettings({ enabled: false, ...s })).toBeNull();
  });

  test.each([
    ['intervalDays 366', { intervalDays: 366, count: 1 }, 'intervalDays must be a whole number from 1 to 365'],
    ['intervalDays -1', { intervalDays: -1, count: 1 }, 'intervalDays must be a whole number from 1 to 365'],
    ['intervalDays NaN', { intervalDays: NaN, count: 1 }, 'intervalDays must be a whole number from 1 to 365'],
    ['count 2.5', { intervalDays: 1, count: 2.5 }, 'count must be a whole number from 1 to 50'],
    ['count Infinity', { intervalDays: 1, count: Infinity }, 'count must be a whole number from 1 to 50'],
  ])('refuses %s', (_, s, message) => {
    expect(validateSettings({ enabled: true, ...s })).toBe(message);
  });

  test('the interval is checked before the count', () => {
    expect(validateSettings({ enabled: true, intervalDays: 0, count: 0 })).toMatch(/^intervalDays/);
  });
});
