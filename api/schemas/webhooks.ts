// Request schemas of the webhook routes (issue 11).
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../shared/contracts/webhook-delivery';
import { text } from './common';

export const newWebhookBody = z
  .object({
    url: z
      .string()
      .trim()
      .max(2000, 'at most 2000 characters')
      .url('must be an absolute http or https URL')
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL'),
    eventTypes: z
      .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
      .min(1, 'name at least one event type')
      .max(WEBHOOK_EVENT_TYPES.length * 2),
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be a Standard Webhooks secret: whsec_ and base64')
      .refine(
        (s) => {
          const n = Buffer.from(s.slice(6), 'base64').length;
          return n >= 24 && n <= 64;
        },
        { message: 'must decode to 24 to 64 bytes' },
      )
      .optional(),
    description: text(200).optional(),
  })
  .strict();

export const deliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    status: z.enum(['pending', 'retrying', 'delivered', 'failed']).optional(),
  })
  .strict();
