// Accounts (list, profile, overview, team), the firm's tags and custom field definitions. The domain
// checks access: 404 for another firm's id, 403 without the right.
import { Router } from 'express';
import type { Db } from '../../domain/db';
import { route, idParams } from '../route';
import * as s from '../schemas/accounts';
import * as accounts from '../../domain/accounts/accounts';
import { listAccounts } from '../../domain/accounts/list';
import { accountDetails, accountOverview, accountRelated, accountSection } from '../../domain/accounts/profile';
import * as customFields from '../../domain/settings/custom-fields';
import * as team from '../../domain/accounts/team';

export function accountRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'post', path: '/v1/accounts', tag: 'Accounts', summary: 'Create an account (an employee without “view all” who creates it joins its team)', body: s.newAccountBody, status: 201, ...mut }, async (req) =>
    accounts.createAccount(db, req.firmId, req.actor, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/accounts', tag: 'Accounts', summary: 'List the accounts the acting user may see: filters, sort, cursor pages, login/notify/email-sync columns', query: s.accountListQuery }, async (req) =>
    listAccounts(db, req.firmId, req.actor, req.valid.query),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId', tag: 'Accounts', summary: 'Account profile: details, tags, team and its history, custom fields, related accounts, contacts (alphabetical) and their emails', params: idParams('accountId') }, async (req) =>
    accountDetails(db, req.firmId, req.actor, req.valid.params.accountId),
  );
  route(r, { method: 'patch', path: '/v1/accounts/:accountId', tag: 'Accounts', summary: 'Change name, type, photo, tags, team or custom fields', params: idParams('accountId'), body: s.accountPatchBody, ...mut }, async (req) =>
    accounts.updateAccount(db, req.firmId, req.actor, req.valid.params.accountId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId/overview', tag: 'Accounts', summary: 'Overview: the latest five of each kind (documents, chats, pending signatures and approvals, emails, notes, logins, audit), each with its total and “view all” link', params: idParams('accountId') }, async (req) =>
    accountOverview(db, req.firmId, req.actor, req.valid.params.accountId),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId/overview/:section', tag: 'Accounts', summary: '“View all” of one overview section, newest first, in cursor pages', params: s.sectionParams, query: s.sectionQuery }, async (req) =>
    accountSection(db, req.firmId, req.actor, req.valid.params.accountId, req.valid.params.section, req.valid.query.limit, req.valid.query.cursor),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId/related', tag: 'Accounts', summary: 'Related accounts: those sharing a contact with this one', params: idParams('accountId') }, async (req) =>
    accountRelated(db, req.firmId, req.actor, req.valid.params.accountId),
  );

  // Team
  route(r, { method: 'get', path: '/v1/accounts/:accountId/team', tag: 'Accounts', summary: 'The account’s team and its change history (who added or removed whom, when)', params: idParams('accountId') }, async (req) =>
    team.accountTeam(db, req.firmId, req.actor, req.valid.params.accountId),
  );
  route(r, { method: 'post', path: '/v1/accounts/:accountId/team', tag: 'Accounts', summary: 'Add a firm user to the account’s team (adding a member twice changes nothing)', params: idParams('accountId'), body: s.teamMemberBody, ...mut }, async (req) =>
    team.addTeamMember(db, req.firmId, req.actor, req.valid.params.accountId, req.valid.body.firmUserId),
  );
  route(r, { method: 'delete', path: '/v1/accounts/:accountId/team/:firmUserId', tag: 'Accounts', summary: 'Remove a firm user from the account’s team', params: idParams('accountId', 'firmUserId'), ...mut }, async (req) => {
    await team.removeTeamMember(db, req.firmId, req.actor, req.valid.params.accountId, req.valid.params.firmUserId);
  });

  // Tags
  route(r, { method: 'post', path: '/v1/tags', tag: 'Tags', summary: 'Create a tag', body: s.newTagBody, status: 201, ...mut }, async (req) =>
    accounts.createTag(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/tags', tag: 'Tags', summary: 'The firm’s tags, by name' }, async (req) => accounts.listTags(db, req.firmId));
  route(r, { method: 'patch', path: '/v1/tags/:tagId', tag: 'Tags', summary: 'Rename or recolour a tag (names are unique in the firm)', params: idParams('tagId'), body: s.tagPatchBody, ...mut }, async (req) =>
    accounts.updateTag(db, req.firmId, req.actorId, req.valid.params.tagId, req.valid.body),
  );
  route(r, { method: 'delete', path: '/v1/tags/:tagId', tag: 'Tags', summary: 'Delete a tag, removing it from every account', params: idParams('tagId'), ...mut }, async (req) => {
    await accounts.deleteTag(db, req.firmId, req.actorId, req.valid.params.tagId);
  });

  // Custom field definitions
  route(r, { method: 'post', path: '/v1/custom-fields', tag: 'Custom fields', summary: 'Define a custom field of accounts or contacts (owner and admins)', body: s.newCustomFieldBody, status: 201, ...mut }, async (req) =>
    customFields.createCustomField(db, req.firmId, req.actor, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/custom-fields', tag: 'Custom fields', summary: 'The firm’s custom field definitions', query: s.customFieldListQuery }, async (req) =>
    customFields.listCustomFields(db, req.firmId, req.valid.query.entity),
  );
  route(r, { method: 'patch', path: '/v1/custom-fields/:fieldId', tag: 'Custom fields', summary: 'Change a custom field’s label or a select field’s options (owner and admins)', params: idParams('fieldId'), body: s.customFieldPatchBody, ...mut }, async (req) =>
    customFields.updateCustomField(db, req.firmId, req.actor, req.valid.params.fieldId, req.valid.body),
  );
  route(r, { method: 'delete', path: '/v1/custom-fields/:fieldId', tag: 'Custom fields', summary: 'Delete a custom field definition (owner and admins)', params: idParams('fieldId'), ...mut }, async (req) => {
    await customFields.deleteCustomField(db, req.firmId, req.actor, req.valid.params.fieldId);
  });

  return r;
}
