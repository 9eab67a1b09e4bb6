// Accounts (list, profile, overview, team), the firm's tags and custom field definitions. Every route
// about one account starts with requireAccountAccess: 404 for another firm's id, 403 without the right.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../prisma/client';
import { route, idParams } from '../route';
import { Problem } from '../../domain/errors';
import { requireAccountAccess, seesAllAccounts, type Actor } from '../../domain/access/access';
import * as accounts from '../../domain/accounts/accounts';
import { listAccounts } from '../../domain/accounts/list';
import { accountDetails, accountOverview, listSection, OVERVIEW_SECTIONS, relatedAccounts } from '../../domain/accounts/profile';
import * as customFields from '../../domain/settings/custom-fields';
import * as team from '../../domain/accounts/team';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const accountType = z.enum(['individual', 'company', 'other']);
const userId = () => z.uuid({ message: 'must be a firm user id' });
const tagRefs = z.array(text(100)).max(100);
const teamIds = z
  .array(userId())
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'each user may appear once');
const customFieldValues = z.record(z.string().max(100), z.unknown());

export const newAccountBody = z
  .object({
    name: text(200),
    type: accountType,
    photoUrl: z.url({ message: 'must be a URL' }).max(2000).optional(),
    customFields: customFieldValues.optional(),
    tags: tagRefs.optional().describe('Tag ids or names of the firm'),
    team: teamIds.optional().describe('Firm user ids'),
  })
  .strict();

export const accountPatchBody = z
  .object({
    name: text(200).optional(),
    type: accountType.optional(),
    photoUrl: z.url({ message: 'must be a URL' }).max(2000).nullable().optional(),
    customFields: customFieldValues.optional().describe('Merged into the stored values; null clears a field'),
    tags: tagRefs.optional().describe('Replaces the tags: ids or names'),
    team: teamIds.optional().describe('Replaces the team; changes are recorded in the team history'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of name, type, photoUrl, customFields, tags, team' });

export const accountListQuery = z
  .object({
    search: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    tagId: z.uuid({ message: 'must be a tag id' }).optional(),
    type: accountType.optional(),
    status: z.enum(['active', 'archived']).optional(),
    teamMemberId: userId().optional(),
    loginStatus: z.enum(['active', 'offline']).optional(),
    sort: z.enum(['name', 'createdAt', 'updatedAt']).default('name'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

const sectionQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(100).optional() }).strict();
const teamMemberBody = z.object({ firmUserId: userId() }).strict();
const tagColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1e88e5');
const newTagBody = z.object({ name: text(100), color: tagColor.optional() }).strict();
const tagPatchBody = z
  .object({ name: text(100).optional(), color: tagColor.optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of name, color' });
const fieldEntity = z.enum(['account', 'contact']);
const newCustomFieldBody = z
  .object({
    entity: fieldEntity,
    key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'letters, digits and _, starting with a letter (at most 63)'),
    label: text(200),
    type: z.enum(['text', 'number', 'date', 'email', 'select']),
    options: z.array(text(200)).max(200).optional(),
    required: z.boolean().optional(),
  })
  .strict();
const customFieldPatchBody = z
  .object({
    label: text(200).optional(),
    options: z.array(text(200)).max(200).optional().describe('Replaces the options of a select field; an option still held by a record cannot be dropped'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of label, options' });

const forbidden = (what: string) => new Problem(403, 'forbidden', 'Not allowed', `Only the owner and admins may ${what}.`);
const requireManager = (actor: Actor, what: string) => {
  if (actor.role === 'employee') throw forbidden(what);
};

export function accountRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;
  const access = (req: { firmId: string; actor: Actor }, accountId: string) => requireAccountAccess(db, req.firmId, req.actor, accountId);

  route(r, { method: 'post', path: '/v1/accounts', tag: 'Accounts', summary: 'Create an account (an employee without “view all” who creates it joins its team)', body: newAccountBody, status: 201, ...mut }, async (req) => {
    const body = req.valid.body as z.infer<typeof newAccountBody>;
    // Otherwise an employee limited to their own accounts could not open the account they just made.
    const team = seesAllAccounts(req.actor) || body.team?.includes(req.actorId) ? body.team : [...(body.team ?? []), req.actorId];
    return accounts.createAccount(db, req.firmId, req.actorId, { ...body, team });
  });
  route(r, { method: 'get', path: '/v1/accounts', tag: 'Accounts', summary: 'List the accounts the acting user may see: filters, sort, cursor pages, login/notify/email-sync columns', query: accountListQuery }, async (req) =>
    listAccounts(db, req.firmId, req.actor, req.valid.query),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId', tag: 'Accounts', summary: 'Account profile: details, tags, team and its history, custom fields, related accounts, contacts (alphabetical) and their emails', params: idParams('accountId') }, async (req) => {
    await access(req, req.valid.params.accountId);
    return accountDetails(db, req.firmId, req.actor, req.valid.params.accountId);
  });
  route(r, { method: 'patch', path: '/v1/accounts/:accountId', tag: 'Accounts', summary: 'Change name, type, photo, tags, team or custom fields', params: idParams('accountId'), body: accountPatchBody, ...mut }, async (req) => {
    await access(req, req.valid.params.accountId);
    return accounts.updateAccount(db, req.firmId, req.actorId, req.valid.params.accountId, req.valid.body);
  });
  route(r, { method: 'get', path: '/v1/accounts/:accountId/overview', tag: 'Accounts', summary: 'Overview: the latest five of each kind (documents, chats, pending signatures and approvals, emails, notes, logins, audit), each with its total and “view all” link', params: idParams('accountId') }, async (req) => {
    await access(req, req.valid.params.accountId);
    return accountOverview(db, req.firmId, req.valid.params.accountId);
  });
  route(r, { method: 'get', path: '/v1/accounts/:accountId/overview/:section', tag: 'Accounts', summary: '“View all” of one overview section, newest first, in cursor pages', params: z.object({ accountId: z.uuid(), section: z.enum(OVERVIEW_SECTIONS) }), query: sectionQuery }, async (req) => {
    await access(req, req.valid.params.accountId);
    return listSection(db, req.firmId, req.valid.params.accountId, req.valid.params.section, req.valid.query.limit, req.valid.query.cursor);
  });
  route(r, { method: 'get', path: '/v1/accounts/:accountId/related', tag: 'Accounts', summary: 'Related accounts: those sharing a contact with this one', params: idParams('accountId') }, async (req) => {
    await access(req, req.valid.params.accountId);
    return relatedAccounts(db, req.firmId, req.actor, req.valid.params.accountId);
  });

  // Team
  route(r, { method: 'get', path: '/v1/accounts/:accountId/team', tag: 'Accounts', summary: 'The account’s team and its change history (who added or removed whom, when)', params: idParams('accountId') }, async (req) => {
    await access(req, req.valid.params.accountId);
    const [members, history] = await Promise.all([team.listTeam(db, req.valid.params.accountId), team.teamHistory(db, req.firmId, req.valid.params.accountId)]);
    return { members, history };
  });
  route(r, { method: 'post', path: '/v1/accounts/:accountId/team', tag: 'Accounts', summary: 'Add a firm user to the account’s team (adding a member twice changes nothing)', params: idParams('accountId'), body: teamMemberBody, ...mut }, async (req) => {
    await access(req, req.valid.params.accountId);
    return team.addTeamMember(db, req.firmId, req.actorId, req.valid.params.accountId, req.valid.body.firmUserId);
  });
  route(r, { method: 'delete', path: '/v1/accounts/:accountId/team/:firmUserId', tag: 'Accounts', summary: 'Remove a firm user from the account’s team', params: idParams('accountId', 'firmUserId'), ...mut }, async (req) => {
    await access(req, req.valid.params.accountId);
    await team.removeTeamMember(db, req.firmId, req.actorId, req.valid.params.accountId, req.valid.params.firmUserId);
  });

  // Tags
  route(r, { method: 'post', path: '/v1/tags', tag: 'Tags', summary: 'Create a tag', body: newTagBody, status: 201, ...mut }, async (req) =>
    accounts.createTag(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/tags', tag: 'Tags', summary: 'The firm’s tags, by name' }, async (req) => accounts.listTags(db, req.firmId));
  route(r, { method: 'patch', path: '/v1/tags/:tagId', tag: 'Tags', summary: 'Rename or recolour a tag (names are unique in the firm)', params: idParams('tagId'), body: tagPatchBody, ...mut }, async (req) =>
    accounts.updateTag(db, req.firmId, req.actorId, req.valid.params.tagId, req.valid.body),
  );
  route(r, { method: 'delete', path: '/v1/tags/:tagId', tag: 'Tags', summary: 'Delete a tag, removing it from every account', params: idParams('tagId'), ...mut }, async (req) => {
    await accounts.deleteTag(db, req.firmId, req.actorId, req.valid.params.tagId);
  });

  // Custom field definitions
  route(r, { method: 'post', path: '/v1/custom-fields', tag: 'Custom fields', summary: 'Define a custom field of accounts or contacts (owner and admins)', body: newCustomFieldBody, status: 201, ...mut }, async (req) => {
    requireManager(req.actor, 'define custom fields');
    return customFields.createCustomField(db, req.firmId, req.actorId, req.valid.body);
  });
  route(r, { method: 'get', path: '/v1/custom-fields', tag: 'Custom fields', summary: 'The firm’s custom field definitions', query: z.object({ entity: fieldEntity.optional() }).strict() }, async (req) =>
    customFields.listCustomFields(db, req.firmId, req.valid.query.entity),
  );
  route(r, { method: 'patch', path: '/v1/custom-fields/:fieldId', tag: 'Custom fields', summary: 'Change a custom field’s label or a select field’s options (owner and admins)', params: idParams('fieldId'), body: customFieldPatchBody, ...mut }, async (req) => {
    requireManager(req.actor, 'change custom fields');
    return customFields.updateCustomField(db, req.firmId, req.actorId, req.valid.params.fieldId, req.valid.body);
  });
  route(r, { method: 'delete', path: '/v1/custom-fields/:fieldId', tag: 'Custom fields', summary: 'Delete a custom field definition (owner and admins)', params: idParams('fieldId'), ...mut }, async (req) => {
    requireManager(req.actor, 'delete custom fields');
    await customFields.deleteCustomField(db, req.firmId, req.actorId, req.valid.params.fieldId);
  });

  return r;
}
