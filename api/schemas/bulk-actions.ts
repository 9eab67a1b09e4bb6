// Request schemas of the bulk-action API (validation and OpenAPI come from these). Each is checked
// against the domain's input type (domain/bulk/inputs.ts): what a schema lets through is what the
// service accepts.
import { z } from 'zod';
import type {
  BulkListQuery,
  BulkOutcomeQuery,
  BulkSelection,
  NewBulkAction,
  RetryFailedRequest,
} from '../../domain/bulk/inputs';
import type { AccountFilter } from '../../domain/accounts/list';
import { PREFERENCE_CATEGORIES } from '../../shared/recipients';
import { reminderSettingsInput } from './index';
import { BULK_OUTCOMES } from '../../shared/bulk-actions';
import { MAX_INT, accountSearch, patchOf } from './common';

const id = (what = 'id') => z.uuid({ message: `must be a${/^[aeiou]/.test(what) ? 'n' : ''} ${what}` });
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const toggle = z.enum(['nothing', 'enable', 'disable']);

/** Explicit ids travel in the body; a larger selection is a filter (the account list's filters). */
export const MAX_EXPLICIT_ACCOUNTS = 10_000;

export const accountFilter = z
  .object({
    search: accountSearch().optional(),
    tagId: id('tag id').optional(),
    type: z.enum(['individual', 'company', 'other']).optional(),
    status: z.enum(['active', 'archived']).optional(),
    teamMemberId: id('firm user id').optional(),
    loginStatus: z.enum(['active', 'offline']).optional(),
  })
  .strict() satisfies z.ZodType<AccountFilter>;

export const selection = z.union([
  z
    .object({
      accountIds: z
        .array(id('account id'))
        .min(1, 'select at least one account')
        .max(MAX_EXPLICIT_ACCOUNTS, `at most ${MAX_EXPLICIT_ACCOUNTS} ids; select more with a filter`)
        .refine((ids) => new Set(ids.map((i) => i.toLowerCase())).size === ids.length, 'each account may appear once'),
    })
    .strict(),
  z.object({ filter: accountFilter }).strict(),
]) satisfies z.ZodType<BulkSelection>;

const preferences = z
  .object(
    Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, z.boolean().optional()])) as Record<
      (typeof PREFERENCE_CATEGORIES)[number],
      z.ZodOptional<z.ZodBoolean>
    >,
  )
  .strict();

const manageTags = z
  .object({
    kind: z.literal('manage_tags'),
    tags: z
      .array(z.object({ tagId: id('tag id'), action: z.enum(['nothing', 'assign', 'remove']) }).strict())
      .min(1, 'name at least one tag')
      .max(200)
      .refine((t) => new Set(t.map((x) => x.tagId.toLowerCase())).size === t.length, 'each tag may appear once')
      .refine((t) => t.some((x) => x.action !== 'nothing'), 'at least one tag must be assigned or removed'),
  })
  .strict();

const contactToggles = z
  .object({
    kind: z.literal('contact_toggles'),
    login: toggle.default('nothing'),
    notify: toggle.default('nothing'),
    emailSync: toggle.default('nothing'),
    sendInvitations: z
      .boolean()
      .optional()
      .describe('With login "enable": false sets login pending and sends the invitations later (default true)'),
    invitationMessage: z.string().trim().min(1, 'must not be empty').max(5000, 'at most 5000 characters').optional(),
    preferences: preferences.optional(),
  })
  .strict()
  .refine((t) => t.sendInvitations === undefined || t.login === 'enable', {
    message: 'only with login "enable"',
    path: ['sendInvitations'],
  })
  .refine((t) => !t.invitationMessage || t.sendInvitations !== false, {
    message: 'no message without invitations',
    path: ['invitationMessage'],
  })
  .refine((t) => t.login !== 'nothing' || t.notify !== 'nothing' || t.emailSync !== 'nothing', {
    message: 'enable or disable at least one of login, notify, emailSync',
    path: ['login'],
  })
  .refine((t) => !t.invitationMessage || t.login === 'enable', {
    message: 'only with login "enable"',
    path: ['invitationMessage'],
  })
  .refine((t) => !t.preferences || t.notify === 'enable', {
    message: 'only with notify "enable"',
    path: ['preferences'],
  });

const bulkActionOptions = [
  manageTags,
  z.object({ kind: z.literal('apply_folder_template'), folderTemplateId: id('folder template id') }).strict(),
  z
    .object({
      kind: z.literal('send_message'),
      chatTemplateId: id('chat template id'),
      reminders: reminderSettingsInput.optional(),
    })
    .strict(),
  z.object({ kind: z.literal('archive') }).strict(),
  z.object({ kind: z.literal('restore') }).strict(),
  z
    .object({
      kind: z.literal('delete'),
      confirm: z.literal('DELETE', { message: 'deleting accounts is permanent: send confirm "DELETE"' }),
    })
    .strict(),
  contactToggles,
  z
    .object({ kind: z.literal('request_pending_approvals'), message: z.string().trim().min(1).max(5000).optional() })
    .strict(),
] as const;

const bulkActionKinds = bulkActionOptions.map((o) => `"${o.shape.kind.value}"`).join(', ');

/**
 * One typed action, chosen by its kind: a discriminated union, so a bad action is reported against the
 * fields of its own kind (e.g. body.action.confirm), and an unknown kind as body.action.kind.
 */
export const bulkActionParams = z.discriminatedUnion('kind', bulkActionOptions, {
  error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${bulkActionKinds}` : undefined),
});

export const newBulkAction = z
  .object({
    action: bulkActionParams,
    selection,
    dryRun: z.boolean().default(false).describe('Change nothing; the report says, per account, what would be done'),
  })
  .strict() satisfies z.ZodType<NewBulkAction>;

export const bulkListQuery = z
  .object({
    status: z.enum(['queued', 'running', 'completed', 'cancelled', 'failed']).optional(),
    before: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict() satisfies z.ZodType<BulkListQuery>;

/** The largest position an outcome can have (its column is a 32-bit integer). */

export const bulkOutcomeQuery = z
  .object({
    outcome: z.enum(['pending', ...BULK_OUTCOMES]).optional(),
    after: z.coerce
      .number()
      .int()
      .min(-1)
      .max(MAX_INT, `at most ${MAX_INT}`)
      .default(-1)
      .describe('nextCursor of the previous page (a position)'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict() satisfies z.ZodType<BulkOutcomeQuery>;

export const retryFailedBody = z
  .object({
    confirm: z.literal('DELETE', { message: 'retrying a delete deletes accounts: send confirm "DELETE"' }).optional(),
  })
  .strict() satisfies z.ZodType<RetryFailedRequest>;

export const newChatTemplate = z.object({ name: text(200), body: text(20_000) }).strict();

const folderPath = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(500)
  .transform((p) => p.replace(/\/+/g, '/').replace(/^\/|\/$/g, ''))
  .refine(
    (p) => p.length > 0 && p.split('/').every((seg) => seg.trim() && seg !== '.' && seg !== '..'),
    'must be a folder path like "Tax/2026"',
  );

export const newFolderTemplate = z
  .object({
    name: text(200),
    folders: z
      .array(folderPath)
      .min(1, 'name at least one folder')
      .max(500)
      .refine((f) => new Set(f).size === f.length, 'each folder may appear once'),
  })
  .strict();

export const chatTemplatePatch = patchOf(newChatTemplate);
export const folderTemplatePatch = patchOf(newFolderTemplate);
