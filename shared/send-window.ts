// Send windows (issue 12): when a reminder may go. A firm's business hours per weekday and its closed days,
// read in the recipient's time zone, and pauses; a due instant outside them moves to the next opening.
// Pure (luxon does the time-zone arithmetic, daylight-saving changes included), so it is unit-tested alone.
import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Open from `from` to `to`, local wall-clock times "HH:MM" (`to` may be "24:00"). */
export interface OpenInterval {
  from: string;
  to: string;
}

export interface SendWindow {
  /** The firm's IANA time zone: the recipients' own zone when they have none. */
  timeZone: string;
  /** Open hours per weekday; a weekday absent or empty is closed all day. */
  hours: Partial<Record<Weekday, OpenInterval[]>>;
  /** Dates ("YYYY-MM-DD", in the recipient's zone) closed all day: holidays. */
  closedDays: string[];
}

export const SEND_WINDOW_LIMITS = { intervalsPerDay: 6, closedDays: 400 } as const;

/** Why a reminder did not go when it fell due. */
export type DeferReason = 'paused' | 'holiday' | 'weekend' | 'closed_day' | 'outside_hours';

export interface SendPlan {
  dueAt: number;
  /** When it may go: `dueAt` itself when nothing holds it back. */
  sendAt: number;
  /** What held it back, first the pause then the window; empty when it goes when due. */
  reasons: DeferReason[];
  /** The zone the window was read in. */
  timeZone: string;
  pausedUntil: number | null;
}

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Far enough to step over every allowed closed day, short enough to bound the search. */
const SEARCH_DAYS = SEND_WINDOW_LIMITS.closedDays + 2 * 7 + 1;

/** An IANA zone name luxon (the platform's ICU data) knows; fixed offsets like "+01:00" are not zones. */
export function isValidTimeZone(zone: string): boolean {
  return zone.includes('/') || zone === 'UTC' ? IANAZone.isValidZone(zone) : false;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Everything wrong with a window, each with its field (relative to the window); empty when it is usable. */
export function sendWindowProblems(w: SendWindow, now: number): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (!isValidTimeZone(w.timeZone)) problems.push({ field: 'timeZone', message: 'must be an IANA time zone' });
  for (const day of WEEKDAYS) {
    const intervals = w.hours[day] ?? [];
    if (intervals.length > SEND_WINDOW_LIMITS.intervalsPerDay) {
      problems.push({ field: `hours.${day}`, message: `at most ${SEND_WINDOW_LIMITS.intervalsPerDay} intervals` });
    }
    intervals.forEach((iv, i) => {
      if (!TIME.test(iv.from) || iv.from === '24:00')
        problems.push({ field: `hours.${day}.${i}.from`, message: 'must be a time HH:MM' });
      else if (!TIME.test(iv.to)) problems.push({ field: `hours.${day}.${i}.to`, message: 'must be a time HH:MM' });
      else if (minutes(iv.to) <= minutes(iv.from))
        problems.push({ field: `hours.${day}.${i}.to`, message: 'must be later than from' });
    });
    const sorted = [...intervals].filter((iv) => TIME.test(iv.from) && TIME.test(iv.to)).sort(byStart);
    for (let i = 1; i < sorted.length; i++) {
      if (minutes(sorted[i].from) < minutes(sorted[i - 1].to))
        problems.push({ field: `hours.${day}`, message: 'intervals must not overlap' });
    }
  }
  if (w.closedDays.length > SEND_WINDOW_LIMITS.closedDays) {
    problems.push({ field: 'closedDays', message: `at most ${SEND_WINDOW_LIMITS.closedDays} days` });
  }
  w.closedDays.forEach((d, i) => {
    if (!DATE.test(d) || !DateTime.fromISO(d).isValid)
      problems.push({ field: `closedDays.${i}`, message: 'must be a date YYYY-MM-DD' });
  });
  if (problems.length) return problems;
  if (nextOpening(now, w, w.timeZone) === null) problems.push({ field: 'hours', message: 'the window never opens' });
  return problems;
}

const byStart = (a: OpenInterval, b: OpenInterval) => minutes(a.from) - minutes(b.from);

/** The local wall-clock time on that day; a time skipped by a daylight-saving change becomes the one after. */
function at(day: DateTime, hhmm: string): DateTime {
  if (hhmm === '24:00') return day.plus({ days: 1 }).startOf('day');
  return day.set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)), second: 0, millisecond: 0 });
}

/**
 * The first instant at or after `from` (epoch ms) when the window is open in `zone`, and why `from` itself
 * was not (null when it was); null when the window never opens within the search horizon.
 */
export function nextOpening(
  from: number,
  w: Pick<SendWindow, 'hours' | 'closedDays'>,
  zone: string,
): { at: number; reason: Exclude<DeferReason, 'paused'> | null } | null {
  if (!WEEKDAYS.some((d) => (w.hours[d] ?? []).length > 0)) return null;
  const closed = new Set(w.closedDays);
  const start = DateTime.fromMillis(from, { zone });
  let day = start.startOf('day');
  for (let i = 0; i < SEARCH_DAYS; i++, day = day.plus({ days: 1 }).startOf('day')) {
    if (closed.has(day.toISODate()!)) continue;
    for (const iv of [...(w.hours[WEEKDAYS[day.weekday - 1]] ?? [])].sort(byStart)) {
      const open = at(day, iv.from).toMillis();
      const close = at(day, iv.to).toMillis();
      if (close <= from || close <= open) continue;
      const t = Math.max(open, from);
      return { at: t, reason: t === from ? null : closedReason(start, w, closed) };
    }
  }
  return null;
}

/** Why the due instant's own local day did not let it go. */
function closedReason(
  due: DateTime,
  w: Pick<SendWindow, 'hours'>,
  closed: Set<string>,
): Exclude<DeferReason, 'paused'> {
  if (closed.has(due.toISODate()!)) return 'holiday';
  if ((w.hours[WEEKDAYS[due.weekday - 1]] ?? []).length === 0) return due.weekday >= 6 ? 'weekend' : 'closed_day';
  return 'outside_hours';
}

/**
 * When a reminder due at `dueAt` may go: not before a pause ends, then at the window's next opening in
 * `zone` (the recipient's; the window's own zone when null). No window: whenever due (or the pause ends).
 * Planned at `now`, a plan whose time has already passed counts from now: an overdue reminder (a timer fired
 * late, a shortened interval, a pause ended early) still waits for the window to be open now. A plan still
 * ahead keeps the reasons of its due time (a holiday Friday stays "holiday" when asked again on Saturday).
 */
export function planSend(p: {
  dueAt: number;
  window: SendWindow | null;
  zone: string | null;
  pausedUntil: number | null;
  now?: number;
}): SendPlan {
  const plan = planSendFrom(p.dueAt, p);
  return p.now !== undefined && plan.sendAt < p.now ? planSendFrom(p.now, p) : plan;
}

function planSendFrom(
  start: number,
  p: { dueAt: number; window: SendWindow | null; zone: string | null; pausedUntil: number | null },
): SendPlan {
  const zone = p.zone ?? p.window?.timeZone ?? 'UTC';
  const reasons: DeferReason[] = [];
  let from = start;
  if (p.pausedUntil !== null && p.pausedUntil > from) {
    from = p.pausedUntil;
    reasons.push('paused');
  }
  let sendAt = from;
  if (p.window) {
    const open = nextOpening(from, p.window, zone);
    // Validation refuses a window that never opens; should one slip through, it holds nothing back.
    if (open) {
      sendAt = open.at;
      if (open.reason) reasons.push(open.reason);
    }
  }
  return { dueAt: p.dueAt, sendAt, reasons, timeZone: zone, pausedUntil: p.pausedUntil };
}

const REASON_TEXT: Record<DeferReason, string> = {
  paused: 'paused',
  holiday: 'holiday',
  weekend: 'weekend',
  closed_day: 'closed day',
  outside_hours: 'outside business hours',
};

/**
 * The plan in a sentence, in the plan's zone: "due Saturday 10:00, sent Monday 09:00: weekend". Dates are
 * named when the two instants are a week or more apart; "goes" while `sendAt` is still ahead of `now`.
 */
export function explainPlan(plan: SendPlan, now: number): string {
  const due = DateTime.fromMillis(plan.dueAt, { zone: plan.timeZone });
  const send = DateTime.fromMillis(plan.sendAt, { zone: plan.timeZone });
  const farApart = Math.abs(send.diff(due, 'days').days) >= 6 || due.year !== send.year;
  const fmt = (d: DateTime) => d.setLocale('en').toFormat(farApart ? 'cccc d LLLL yyyy HH:mm' : 'cccc HH:mm');
  if (plan.reasons.length === 0) return `due ${fmt(due)}, ${plan.sendAt > now ? 'goes' : 'sent'} when due`;
  const why = plan.reasons
    .map((r) =>
      r === 'paused' && plan.pausedUntil !== null
        ? `paused until ${fmt(DateTime.fromMillis(plan.pausedUntil, { zone: plan.timeZone }))}`
        : REASON_TEXT[r],
    )
    .join(', then ');
  return `due ${fmt(due)}, ${plan.sendAt > now ? 'goes' : 'sent'} ${fmt(send)}: ${why}`;
}
