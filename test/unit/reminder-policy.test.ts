import { nextStep, validateSettings } from '../../shared/reminder-policy';
import type { ItemSnapshot } from '../../shared/reminder-types';

const DAY = 86400;
const base: ItemSnapshot = {
  doneReason: null,
  settings: { enabled: true, intervalDays: 3, count: 2 },
  cycleKey: 'c',
  subjectKey: 's',
  notificationSent: true,
  anchorAt: 1_000_000,
  remindersSent: 0,
};

describe('nextStep', () => {
  test('notification comes first, even with reminders off', () => {
    expect(nextStep({ ...base, notificationSent: false, settings: { ...base.settings, enabled: false } }, DAY)).toEqual(
      { step: 'notify' },
    );
  });
  test('the first reminder is due intervalDays after the notification', () => {
    expect(nextStep(base, DAY)).toEqual({ step: 'remind', seq: 1, dueAt: 1_000_000 + 3 * DAY * 1000 });
  });
  test('later reminders count from the last one (the anchor)', () => {
    expect(nextStep({ ...base, remindersSent: 1, anchorAt: 5_000_000 }, DAY)).toMatchObject({
      seq: 2,
      dueAt: 5_000_000 + 3 * DAY * 1000,
    });
  });
  test('the count stops it', () => {
    expect(nextStep({ ...base, remindersSent: 2 }, DAY)).toEqual({ step: 'stop', reason: 'count_reached' });
  });
  test('switched off stops it', () => {
    expect(nextStep({ ...base, settings: { ...base.settings, enabled: false } }, DAY)).toEqual({
      step: 'stop',
      reason: 'off',
    });
  });
  test.each(['replied', 'signed', 'approved', 'archived', 'cancelled', 'deleted'] as const)(
    'the client acting (%s) stops it before anything else',
    (reason) => {
      expect(nextStep({ ...base, doneReason: reason, notificationSent: false }, DAY)).toEqual({ step: 'stop', reason });
    },
  );
  test('the day length is configurable', () => {
    expect(nextStep(base, 2)).toMatchObject({ dueAt: 1_000_000 + 6000 });
  });
});

describe('validateSettings', () => {
  test('accepts the defaults and bounds', () => {
    expect(validateSettings({ enabled: true, intervalDays: 3, count: 1 })).toBeNull();
    expect(validateSettings({ enabled: true, intervalDays: 365, count: 50 })).toBeNull();
  });
  test.each([
    [{ intervalDays: 0, count: 1 }, /intervalDays/],
    [{ intervalDays: 1.5, count: 1 }, /intervalDays/],
    [{ intervalDays: 3, count: 0 }, /count/],
    [{ intervalDays: 3, count: 51 }, /count/],
  ])('refuses %o', (s, re) => {
    expect(validateSettings({ enabled: true, ...s })).toMatch(re);
  });
});
