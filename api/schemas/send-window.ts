// Send windows and pauses (issue 12): the shapes; the domain checks what needs a clock or a time-zone
// database (a window that never opens, a pause in the past) and names the field.
import { z } from 'zod';
import { isValidTimeZone, SEND_WINDOW_LIMITS, WEEKDAYS, type Weekday } from '../../shared/send-window';

/** An IANA time zone name ("Europe/Rome"); fixed offsets are not zones. */
export const timeZone = z
  .string()
  .max(64, 'must be an IANA time zone')
  .refine(isValidTimeZone, { message: 'must be an IANA time zone' });

const time = z.string().regex(/^\d{2}:\d{2}$/, 'must be a time HH:MM');
const openInterval = z.object({ from: time, to: time }).strict();

export const sendWindowInput = z
  .object({
    timeZone,
    hours: z
      .object(
        Object.fromEntries(
          WEEKDAYS.map((d) => [d, z.array(openInterval).max(SEND_WINDOW_LIMITS.intervalsPerDay).optional()]),
        ) as Record<Weekday, z.ZodOptional<z.ZodArray<typeof openInterval>>>,
      )
      .strict(),
    closedDays: z
      .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'))
      .max(SEND_WINDOW_LIMITS.closedDays)
      .default([]),
  })
  .strict();

/** A pause's end: an instant with its offset ("2026-12-24T09:00:00+01:00"). */
export const pauseInput = z
  .object({ until: z.iso.datetime({ offset: true, message: 'must be a date-time with offset (ISO 8601)' }) })
  .strict();
