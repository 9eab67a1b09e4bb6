// Accounts (list, profile, overview, team), the firm's tags and custom field definitions. The domain
// checks access: 404 for another firm's id, 403 without the right.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route, idParams } from '../route';
import * as s from '../schemas/accounts';

export function accountRoutes(domain: DomainServices): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(
    r,
    {
      method: 'post',
      path: '/v1/accounts',
      tag: 'Accounts',
      summary: 'Create an account (an employee without “view all” who creates it joins its team)',
      body: s.newAccountBody,
      status: 201,
      ...mut,
    },
    async (req) => domain.accounts.createAccount(req.firmId, req.actor, req.valid.body),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts',
      tag: 'Accounts',
      summary:
        'List the accounts the acting user may see: filters, sort, cursor pages, login/notify/email-sync columns',
      query: s.accountListQuery,
    },
    async (req) => domain.accountList.listAccounts(req.firmId, req.actor, req.valid.query),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts/:accountId',
      tag: 'Accounts',
      summary:
        'Account profile: details, tags, team and its history, custom fields, related accounts, contacts (alphabetical) and their emails',
      params: idParams('accountId'),
    },
    async (req) => domain.accountProfile.accountDetails(req.firmId, req.actor, req.valid.params.accountId),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/accounts/:accountId',
      tag: 'Accounts',
      summary: 'Change name, type, photo, tags, team or custom fields',
      params: idParams('accountId'),
      body: s.accountPatchBody,
      ...mut,
    },
    async (req) => domain.accounts.updateAccount(req.firmId, req.actor, req.valid.params.accountId, req.valid.body),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts/:accountId/overview',
      tag: 'Accounts',
      summary:
        'Overview: the latest five of each kind (documents, chats, pending signatures and approvals, emails, notes, logins, audit), each with its total and “view all” link',
      params: idParams('accountId'),
    },
    async (req) => domain.accountProfile.accountOverview(req.firmId, req.actor, req.valid.params.accountId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts/:accountId/overview/:section',
      operationId: 'getAccountOverviewSection',
      tag: 'Accounts',
      summary: '“View all” of one overview section, newest first, in cursor pages',
      params: s.sectionParams,
      query: s.sectionQuery,
    },
    async (req) =>
      domain.accountProfile.accountSection(
        req.firmId,
        req.actor,
        req.valid.params.accountId,
        req.valid.params.section,
        req.valid.query.limit,
        req.valid.query.cursor,
      ),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts/:accountId/related',
      tag: 'Accounts',
      summary: 'Related accounts: those sharing a contact with this one',
      params: idParams('accountId'),
    },
    async (req) => domain.accountProfile.accountRelated(req.firmId, req.actor, req.valid.params.accountId),
  );

  // Team
  route(
    r,
    {
      method: 'get',
      path: '/v1/accounts/:accountId/team',
      tag: 'Accounts',
      summary: 'The account’s team and its change history (who added or removed whom, when)',
      params: idParams('accountId'),
    },
    async (req) => domain.team.accountTeam(req.firmId, req.actor, req.valid.params.accountId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/accounts/:accountId/team',
      operationId: 'addAccountTeamMember',
      tag: 'Accounts',
      summary: 'Add a firm user to the account’s team (adding a member twice changes nothing)',
      params: idParams('accountId'),
      body: s.teamMemberBody,
      ...mut,
    },
    async (req) =>
      domain.team.addTeamMember(req.firmId, req.actor, req.valid.params.accountId, req.valid.body.firmUserId),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/accounts/:accountId/team/:firmUserId',
      operationId: 'removeAccountTeamMember',
      tag: 'Accounts',
      summary: 'Remove a firm user from the account’s team',
      params: idParams('accountId', 'firmUserId'),
      ...mut,
    },
    async (req) => {
      await domain.team.removeTeamMember(
        req.firmId,
        req.actor,
        req.valid.params.accountId,
        req.valid.params.firmUserId,
      );
    },
  );

  // Tags
  route(
    r,
    { method: 'post', path: '/v1/tags', tag: 'Tags', summary: 'Create a tag', body: s.newTagBody, status: 201, ...mut },
    async (req) => domain.accounts.createTag(req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/tags', tag: 'Tags', summary: 'The firm’s tags, by name' }, async (req) =>
    domain.accounts.listTags(req.firmId),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/tags/:tagId',
      tag: 'Tags',
      summary: 'Rename or recolour a tag (names are unique in the firm; owner and admins)',
      params: idParams('tagId'),
      body: s.tagPatchBody,
      ...mut,
    },
    async (req) => domain.accounts.updateTag(req.firmId, req.actor, req.valid.params.tagId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/tags/:tagId',
      tag: 'Tags',
      summary: 'Delete a tag, removing it from every account (owner and admins)',
      params: idParams('tagId'),
      ...mut,
    },
    async (req) => {
      await domain.accounts.deleteTag(req.firmId, req.actor, req.valid.params.tagId);
    },
  );

  // Custom field definitions
  route(
    r,
    {
      method: 'post',
      path: '/v1/custom-fields',
      tag: 'Custom fields',
      summary: 'Define a custom field of accounts or contacts (owner and admins)',
      body: s.newCustomFieldBody,
      status: 201,
      ...mut,
    },
    async (req) => domain.customFields.createCustomField(req.firmId, req.actor, req.valid.body),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/custom-fields',
      tag: 'Custom fields',
      summary: 'The firm’s custom field definitions',
      query: s.customFieldListQuery,
    },
    async (req) => domain.customFields.listCustomFields(req.firmId, req.valid.query.entity),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/custom-fields/:fieldId',
      tag: 'Custom fields',
      summary: 'Change a custom field’s label or a select field’s options (owner and admins)',
      params: idParams('fieldId'),
      body: s.customFieldPatchBody,
      ...mut,
    },
    async (req) =>
      domain.customFields.updateCustomField(req.firmId, req.actor, req.valid.params.fieldId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/custom-fields/:fieldId',
      tag: 'Custom fields',
      summary: 'Delete a custom field definition and the values stored under its key (owner and admins)',
      params: idParams('fieldId'),
      ...mut,
    },
    async (req) => {
      await domain.customFields.deleteCustomField(req.firmId, req.actor, req.valid.params.fieldId);
    },
  );

  return r;
}
