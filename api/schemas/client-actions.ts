// Request schemas of client actions, notes, timelines and the firm settings they use (email templates,
// GDPR consent statuses, custom actions).
import { z } from 'zod';
import { CUSTOM_FIELD_TYPES } from '../../domain/settings/custom-actions';
import { cursorBefore, id, patchOf, text } from './common';

const ids = (what: string) => z.array(id()).min(1, `name at least one ${what}`).max(1000);
const participants = z.array(id()).max(50).optional();
const description = z.string().trim().max(5000).optional();

export const timelineQuery = z
  .object({
    before: cursorBefore().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export const activation = z.object({ contactIds: ids('contact'), active: z.boolean() }).strict();
export const statusChange = z
  .object({ contactIds: ids('contact'), status: text(100), description, participants })
  .strict();
export const assignment = z
  .object({
    userId: id(),
    accountIds: z.array(id()).max(1000).optional(),
    contactIds: z.array(id()).max(1000).optional(),
    description,
    participants,
  })
  .strict()
  .refine((a) => (a.accountIds?.length ?? 0) + (a.contactIds?.length ?? 0) > 0, {
    message: 'name at least one account or contact',
    path: ['accountIds'],
  });
export const move = z.object({ toAccountId: id(), fromAccountId: id().optional(), description, participants }).strict();
export const newNote = z
  .object({
    contactId: id().optional(),
    accountId: id().optional(),
    body: text(20000),
    participants,
    calendar: z
      .object({
        start: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
        durationMinutes: z
          .number()
          .int()
          .min(5)
          .max(24 * 60)
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((n) => n.contactId || n.accountId, { message: 'name a contactId or an accountId', path: ['contactId'] });
export const newComment = z.object({ body: text(20000) }).strict();
export const newEmailTemplate = z.object({ name: text(200), subject: text(300), body: text(20000) }).strict();
export const emailTemplatePatch = patchOf(newEmailTemplate);
export const newGdprStatus = z.object({ name: text(100), emailTemplateId: id().optional() }).strict();
export const gdprStatusPatch = z
  .object({
    name: text(100).optional(),
    emailTemplateId: id().nullable().optional().describe('null: the status sends no email of its own'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of name, emailTemplateId' });
export const gdprChange = z
  .object({ statusId: id(), sendEmail: z.boolean().optional(), emailTemplateId: id().optional() })
  .strict();
const fieldKey = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,49}$/, 'letters, digits and _ (starting with a letter)');
export const newCustomAction = z
  .object({
    name: text(200),
    fields: z
      .array(
        z
          .object({
            key: fieldKey,
            label: text(200),
            type: z.enum(CUSTOM_FIELD_TYPES),
            required: z.boolean().optional(),
            options: z.array(text(200)).max(100).optional(),
          })
          .strict(),
      )
      .max(50),
  })
  .strict();
export const customActionPatch = patchOf(newCustomAction);
export const customActionRun = z
  .object({
    contactId: id().optional(),
    accountId: id().optional(),
    values: z.record(z.string(), z.unknown()).default({}),
    description,
    participants,
  })
  .strict()
  .refine((r) => !r.contactId !== !r.accountId, {
    message: 'name exactly one of contactId and accountId',
    path: ['contactId'],
  });
