// The firm reminder policy (issue 12): a kind's defaults with what the change does to running reminders, and
// the pages of an application's report.
import { z } from 'zod';
import { APPLICATION_ITEM_OUTCOMES } from '../../domain/reminder-policy/rules';
import { REMINDER_LIMITS } from '../../shared/reminder-policy';
import { ITEM_KINDS } from '../../shared/reminder-types';
import { MAX_INT } from './common';

export const policyKindParams = z.object({ itemKind: z.enum(ITEM_KINDS) });

export const reminderPolicyInput = z
  .object({
    enabled: z.boolean(),
    intervalDays: z.number().int('must be a whole number of days').min(1).max(REMINDER_LIMITS.maxIntervalDays),
    count: z.number().int('must be a whole number').min(1).max(REMINDER_LIMITS.maxCount),
    /** firm: reminders of the kind wait for the firm's send window; anytime: they go when due. */
    sendWindow: z.enum(['firm', 'anytime']).default('firm'),
    /** none: new items only; preview: count the running reminders it would change, write nothing; running: apply to them. */
    apply: z.enum(['none', 'preview', 'running'], { message: 'must be none, preview or running' }),
  })
  .strict();

/** The largest position an application's item may have (an int column). */

export const applicationItemsQuery = z
  .object({
    outcome: z.enum([...APPLICATION_ITEM_OUTCOMES, 'pending']).optional(),
    after: z
      .string()
      .regex(/^\d{1,10}$/, 'must be a cursor from nextCursor')
      .refine((v) => !/^\d{1,10}$/.test(v) || Number(v) <= MAX_INT, 'must be a cursor from nextCursor')
      .transform(Number)
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
