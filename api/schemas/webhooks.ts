// Request schemas of the webhook routes (issue 11).
import { z } from 'zod';
import { WEBHOOK_SECRET_PATTERN, WEBHOOK_SECRET_SHAPE, webhookSecretProblem } from '../../domain/webhooks/secret';
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
      // The shape, also the OpenAPI pattern; the whole rule is the domain's (webhookSecretProblem).
      .regex(WEBHOOK_SECRET_PATTERN, { message: WEBHOOK_SECRET_SHAPE, abort: true })
      .superRefine((s, ctx) => {
        const problem = webhookSecretProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
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
