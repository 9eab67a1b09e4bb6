// Request and response schemas of the public API (validation and OpenAPI come from these).
import { z } from 'zod';
import type { ItemKind } from '../../shared/reminder-types';
import { PREFERENCE_CATEGORIES } from '../../shared/recipients';
import { REMINDER_LIMITS } from '../../shared/reminder-policy';
import { cursorBefore, id, patchOf, text } from './common';
import { language } from './email-templates';
import { timeZone } from './send-window';

export const reminderSettingsInput = z
  .object({
    enabled: z.boolean().optional(),
    intervalDays: z
      .number()
      .int('must be a whole number of days')
      .min(1)
      .max(REMINDER_LIMITS.maxIntervalDays)
      .optional(),
    count: z.number().int('must be a whole number').min(1).max(REMINDER_LIMITS.maxCount).optional(),
  })
  .strict();

export const reminderSettings = z.object({
  enabled: z.boolean(),
  intervalDays: z.number().int(),
  count: z.number().int(),
});

export const preferences = z
  .object(
    Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, z.boolean().optional()])) as Record<
      (typeof PREFERENCE_CATEGORIES)[number],
      z.ZodOptional<z.ZodBoolean>
    >,
  )
  .strict();

export const loginStatus = z.enum(['off', 'pending', 'active']);

// When and how a portal invitation goes out (issue 3).
const invitationOptionsShape = {
  sendAt: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
    .transform((v) => new Date(v))
    .refine((d) => d.getTime() > Date.now() - 60_000, 'must not be in the past')
    .refine((d) => d.getTime() < Date.now() + 365 * 86_400_000, 'must be within a year')
    .optional(),
  message: z.string().trim().min(1, 'must not be empty').max(5000, 'at most 5000 characters').optional(),
  expiresInDays: z.number().int('must be a whole number of days').min(1).max(90).optional(),
};
export const invitationRequest = z.object(invitationOptionsShape).strict();

/** A new email; login "pending" invites it at once (or at `invitation.sendAt`). */
export const emailInput = z
  .object({
    address: z.email({ message: 'must be an email address' }).max(254),
    login: loginStatus.optional(),
    notify: z.boolean().optional(),
    emailSync: z.boolean().optional(),
    preferences: preferences.optional(),
    invitation: invitationRequest.optional(),
  })
  .strict()
  .refine((e) => !e.invitation || e.login === 'pending', {
    message: 'only with login "pending"',
    path: ['invitation'],
  });

export const newFirmUser = z
  .object({
    email: z.email({ message: 'must be an email address' }),
    name: text(200),
    role: z.enum(['owner', 'admin', 'employee']),
    canViewAllAccounts: z.boolean().optional(),
  })
  .strict();

/** A firm user's change: name, role, "view all accounts", or `active` (false takes them out of the firm). */
export const firmUserPatch = patchOf(
  z.object({
    name: text(200),
    role: z.enum(['owner', 'admin', 'employee']),
    canViewAllAccounts: z.boolean(),
    active: z.boolean(),
  }),
);

export const accountLink = z
  .object({
    description: z.string().max(500).optional(),
    signerPriority: z.number().int().min(0).max(100).optional(),
    signingAuthority: z.boolean().optional(),
  })
  .strict();

export const newContact = z
  .object({
    firstName: text(100),
    lastName: z.string().trim().max(100).default(''),
    language: language()
      .optional()
      .describe('the language of the contact’s emails; absent: the firm’s of now, kept (PATCH null: follows the firm)'),
    phone: z.string().trim().max(50).optional(),
    timeZone: timeZone.nullable().optional(),
    emails: z.array(emailInput).min(1, 'a contact needs at least one email').max(20),
    accounts: z
      .array(accountLink.extend({ accountId: id() }))
      .max(100)
      .optional(),
  })
  .strict()
  .refine((c) => new Set(c.emails.map((e) => e.address.toLowerCase())).size === c.emails.length, {
    message: 'email addresses must be distinct',
    path: ['emails'],
  })
  // A contact has one link per account (and a repeat would otherwise surface as a unique violation).
  .refine((c) => !c.accounts || new Set(c.accounts.map((a) => a.accountId.toLowerCase())).size === c.accounts.length, {
    message: 'each account may appear once',
    path: ['accounts'],
  });

export const newThread = z
  .object({
    subject: text(300),
    message: z
      .object({ body: text(20000) })
      .strict()
      .optional(),
    reminders: reminderSettingsInput.optional(),
  })
  .strict();

export const newMessage = z
  .object({
    author: z.enum(['firm', 'client']),
    body: text(20000),
    contactId: id().optional(),
    reminders: reminderSettingsInput.optional(),
  })
  .strict();

/** A page of a thread's messages, newest first. */
export const messagesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(100).optional(),
  })
  .strict();

export const newDocument = z.object({ name: text(300) }).strict();

export const newSignatureRequest = z
  .object({
    signers: z.array(id()).min(1, 'name at least one signer').max(20),
    reminders: reminderSettingsInput.optional(),
  })
  .strict();

export const signBody = z.object({}).strict();

export const newApprovalRequest = z
  .object({ message: z.string().max(5000).optional(), reminders: reminderSettingsInput.optional() })
  .strict();

export const approveBody = z.object({ contactId: id() }).strict();

export const resendBody = z
  .object({
    message: z.string().trim().max(5000).optional(),
    /** Hold it until the send window opens (issue 12); by default a resend goes at once. */
    respectSendWindow: z.boolean().optional(),
  })
  .strict();

export const requestPendingApprovals = z
  .object({ accountId: id().optional(), message: z.string().trim().max(5000).optional() })
  .strict();

export const auditQuery = z
  .object({
    accountId: id().optional(),
    itemId: id().optional(),
    action: z.string().max(100).optional(),
    before: cursorBefore().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const itemKindPath = z.enum(['chat-threads', 'signature-requests', 'approval-requests']);

/** The item kind a path segment names. */
export const KIND_BY_PATH: Record<z.infer<typeof itemKindPath>, ItemKind> = {
  'chat-threads': 'chat',
  'signature-requests': 'signature',
  'approval-requests': 'approval',
};

/** `/v1/:kind/:itemId/...`: an item of any kind. */
export const itemParams = z.object({ kind: itemKindPath, itemId: z.uuid() });

export const contactEmailPatch = z
  .object({
    address: z.email({ message: 'must be an email address' }).max(254).optional(),
    login: loginStatus.optional(),
    notify: z.boolean().optional(),
    emailSync: z.boolean().optional(),
    preferences: preferences.optional(),
    invitation: invitationRequest.optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, {
    message: 'name at least one of address, login, notify, emailSync, preferences',
  })
  .refine((p) => !p.invitation || p.login === 'pending', {
    message: 'only with login "pending"',
    path: ['invitation'],
  });

export const contactPatch = z
  .object({
    firstName: text(100).optional(),
    lastName: z.string().trim().max(100).optional(),
    phone: z.string().trim().max(50).nullable().optional(),
    timeZone: timeZone.nullable().optional(),
    address: z
      .object({
        line1: z.string().trim().max(200).optional(),
        line2: z.string().trim().max(200).optional(),
        city: z.string().trim().max(100).optional(),
        postalCode: z.string().trim().max(20).optional(),
        region: z.string().trim().max(100).optional(),
        country: z.string().trim().length(2, 'must be an ISO 3166 two-letter code').optional(),
      })
      .strict()
      .nullable()
      .optional(),
    customFields: z.record(z.string().max(100), z.unknown()).optional(),
    language: language().nullable().optional().describe('null: the firm’s language'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one field to change' });

export const acceptInvitation = z
  .object({ token: z.string().min(20, 'not an invitation token').max(200, 'not an invitation token') })
  .strict();
