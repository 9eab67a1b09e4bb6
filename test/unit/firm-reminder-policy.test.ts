// The firm reminder policy's rules (issue 12 part 5): which running reminders a change updates, which
// settings an item saves, and that a policy change reschedules from the last send without a burst.
import {
  DEFAULT_POLICY,
  policyOutcome,
  policyProblem,
  settingsToSave,
  type PolicySettings,
} from '../../domain/reminder-policy/rules';
import { nextStep } from '../../shared/reminder-policy';
import type { ItemSnapshot } from '../../shared/reminder-types';

const policy: PolicySettings = { enabled: true, intervalDays: 30, count: 3, sendWindow: 'firm' };
const proposed: PolicySettings = { ...policy, intervalDays: 2 };

describe('policyOutcome', () => {
  test('an item following the policy is updated, unless it already has the proposed settings', () => {
    expect(policyOutcome({ source: 'policy', settings: policy }, proposed)).toBe('updated');
    expect(policyOutcome({ source: 'policy', settings: proposed }, proposed)).toBe('unchanged');
  });
  test('a change of the send-window rule alone is a change', () => {
    expect(policyOutcome({ source: 'policy', settings: policy }, { ...policy, sendWindow: 'anytime' })).toBe('updated');
  });
  test('an item with settings of its own is left alone, whatever they are', () => {
    expect(policyOutcome({ source: 'own', settings: policy }, proposed)).toBe('own_settings');
    expect(policyOutcome({ source: 'own', settings: proposed }, proposed)).toBe('own_settings');
  });
  test('an item that no longer exists is gone', () => {
    expect(policyOutcome(null, proposed)).toBe('gone');
  });
});

describe('settingsToSave', () => {
  test('an item saved without settings takes the policy and follows it', () => {
    expect(settingsToSave({ source: 'policy', settings: policy }, undefined)).toEqual({
      source: 'policy',
      settings: policy,
    });
    expect(settingsToSave({ source: 'default', settings: DEFAULT_POLICY }, {})).toMatchObject({ source: 'policy' });
  });
  test('explicit settings, even one field, make them the item’s own, merged over what it had', () => {
    expect(settingsToSave({ source: 'policy', settings: policy }, { count: 1 })).toEqual({
      source: 'own',
      settings: { ...policy, count: 1 },
    });
  });
  test('fields given as undefined are not a choice', () => {
    expect(settingsToSave({ source: 'policy', settings: policy }, { enabled: undefined })).toMatchObject({
      source: 'policy',
    });
  });
  test('an item with its own settings keeps them own when saved again without input', () => {
    expect(settingsToSave({ source: 'own', settings: proposed }, undefined)).toEqual({
      source: 'own',
      settings: proposed,
    });
  });
});

describe('policyProblem', () => {
  test('names the field', () => {
    expect(policyProblem({ ...policy, intervalDays: 0 })?.field).toBe('body.intervalDays');
    expect(policyProblem({ ...policy, count: 51 })?.field).toBe('body.count');
    expect(policyProblem(policy)).toBeNull();
  });
});

describe('a policy change reaching a running reminder', () => {
  const DAY = 86400;
  const day = DAY * 1000;
  const notifiedAt = 1_000_000_000;
  // Ten days after the notification, no reminder yet under a 30-day interval.
  const now = notifiedAt + 10 * day;
  const snapshot: ItemSnapshot = {
    doneReason: null,
    settings: { enabled: true, intervalDays: 30, count: 3 },
    cycleKey: 'c',
    subjectKey: 's',
    notificationSent: true,
    anchorAt: notifiedAt,
    remindersSent: 0,
  };
  test('a shorter interval makes one reminder due now (its due time is past), not one per missed interval', () => {
    const next = nextStep({ ...snapshot, settings: { enabled: true, intervalDays: 2, count: 3 } }, DAY);
    expect(next).toEqual({ step: 'remind', seq: 1, dueAt: notifiedAt + 2 * day });
    expect(next.step === 'remind' && next.dueAt < now).toBe(true);
    // Once it went (now), the next counts from it: a whole new interval later.
    const after = nextStep(
      { ...snapshot, settings: { enabled: true, intervalDays: 2, count: 3 }, remindersSent: 1, anchorAt: now },
      DAY,
    );
    expect(after).toEqual({ step: 'remind', seq: 2, dueAt: now + 2 * day });
  });
  test('a longer interval moves the next reminder later, from the last send', () => {
    const next = nextStep(
      { ...snapshot, remindersSent: 1, anchorAt: now, settings: { enabled: true, intervalDays: 45, count: 3 } },
      DAY,
    );
    expect(next).toEqual({ step: 'remind', seq: 2, dueAt: now + 45 * day });
  });
  test('reminders switched off, or a count already reached, stop it', () => {
    expect(nextStep({ ...snapshot, settings: { ...snapshot.settings, enabled: false } }, DAY)).toEqual({
      step: 'stop',
      reason: 'off',
    });
    expect(nextStep({ ...snapshot, remindersSent: 2, settings: { ...snapshot.settings, count: 2 } }, DAY)).toEqual({
      step: 'stop',
      reason: 'count_reached',
    });
  });
});
