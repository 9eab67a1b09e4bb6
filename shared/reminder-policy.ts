// The reminder rules of SPEC §3 as plain functions: when the next reminder is due, and why none is.
import type { ItemSnapshot, ReminderSettings } from './reminder-types';

export type NextStep =
  | { step: 'notify' }
  | { step: 'remind'; seq: number; dueAt: number }
  | { step: 'stop'; reason: 'off' | 'count_reached' | NonNullable<ItemSnapshot['doneReason']> };

/**
 * What the item needs next. A reminder is due `intervalDays` after the anchor (the notification or
 * the last reminder). A due time already past means "now": a shortened interval sends one reminder,
 * never a backlog, because each reminder moves the anchor.
 */
export function nextStep(s: ItemSnapshot, daySeconds: number): NextStep {
  if (s.doneReason) return { step: 'stop', reason: s.doneReason };
  if (!s.notificationSent) return { step: 'notify' };
  if (!s.settings.enabled) return { step: 'stop', reason: 'off' };
  if (s.remindersSent >= s.settings.count) return { step: 'stop', reason: 'count_reached' };
  const anchor = s.anchorAt ?? 0;
  return { step: 'remind', seq: s.remindersSent + 1, dueAt: anchor + s.settings.intervalDays * daySeconds * 1000 };
}

export const REMINDER_LIMITS = { maxIntervalDays: 365, maxCount: 50 } as const;

/** Settings a firm may choose: whole days 1..365, 1..50 reminders. */
export function validateSettings(s: ReminderSettings): string | null {
  if (!Number.isInteger(s.intervalDays) || s.intervalDays < 1 || s.intervalDays > REMINDER_LIMITS.maxIntervalDays) {
    return `intervalDays must be a whole number from 1 to ${REMINDER_LIMITS.maxIntervalDays}`;
  }
  if (!Number.isInteger(s.count) || s.count < 1 || s.count > REMINDER_LIMITS.maxCount) {
    return `count must be a whole number from 1 to ${REMINDER_LIMITS.maxCount}`;
  }
  return null;
}
