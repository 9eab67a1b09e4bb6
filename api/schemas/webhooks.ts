// Request schemas of the webhook routes (issue 11).
import { z } from 'zod';
import { WEBHOOK_SECRET_PATTERN, WEBHOOK_SECRET_SHAPE, webhookSecretProblem } from '../../domain/webhooks/secret';
import { WEBHOOK_EVENT_TYPES } from '../../shared/contracts/webhook-delivery';
import { text } from './common';

const webhookUrl = z
  .string()
  .trim()
  .max(2000, 'at most 2000 characters')
  .url('must be an absolute http or https URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL');

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
  .min(1, 'name at least one event type')
  .max(WEBHOOK_EVENT_TYPES.length * 2);

const webhookSecret = z
  .string()
  // The shape, also the OpenAPI pattern; the whole rule is the domain's (webhookSecretProblem).
  .regex(WEBHOOK_SECRET_PATTERN, { message: WEBHOOK_SECRET_SHAPE, abort: true })
  .superRefine((s, ctx) => {
    const problem = webhookSecretProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const newWebhookBody = z
  .object({
    url: webhookUrl,
    eventTypes,
    secret: webhookSecret.optional(),
    description: text(200).optional(),
  })
  .strict();

export const webhookPatch = z
  .object({
    url: webhookUrl.optional(),
    eventTypes: eventTypes.optional(),
    description: text(200).nullable().optional(),
    enabled: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of url, eventTypes, description, enabled' });

export const rotateSecretBody = z
  .object({
    secret: webhookSecret.optional(),
    keepPreviousForHours: z
      .number({ message: 'must be a whole number of hours' })
      .int('must be a whole number of hours')
      .min(0, 'at least 0')
      .max(168, 'at most 168 (a week)')
      .default(24),
  })
  .strict();

export const deliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    status: z.enum(['pending', 'retrying', 'delivered', 'failed']).optional(),
  })
  .strict();
