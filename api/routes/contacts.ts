// Contacts, their emails (toggles, preferences, portal invitations), account links and portal to-dos.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route, idParams } from '../route';
import * as s from '../schemas/index';
import type { InvitationWorkflows } from '../../domain/invitations/invitations';

export function contactRoutes(domain: DomainServices, wf: InvitationWorkflows): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(
    r,
    {
      method: 'post',
      path: '/v1/contacts',
      tag: 'Contacts',
      summary: 'Create a contact with its emails, optionally linked to accounts',
      body: s.newContact,
      status: 201,
      ...mut,
    },
    async (req) => domain.contacts.createContact(wf, req.firmId, req.actor, req.valid.body),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/contacts/:contactId',
      tag: 'Contacts',
      summary: 'Get a contact',
      params: idParams('contactId'),
    },
    async (req) => domain.contacts.getContact(req.firmId, req.actor, req.valid.params.contactId),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/contacts/:contactId',
      tag: 'Contacts',
      summary: 'Change a contact’s name, phone, address or custom fields (null clears a custom field)',
      params: idParams('contactId'),
      body: s.contactPatch,
      ...mut,
    },
    async (req) => domain.contacts.updateContact(req.firmId, req.actor, req.valid.params.contactId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/contacts/:contactId',
      tag: 'Contacts',
      summary: 'Delete a contact permanently, with its emails, account links, portal to-dos and invitations',
      params: idParams('contactId'),
      status: 200,
      ...mut,
    },
    async (req) => domain.contacts.deleteContact(wf, req.firmId, req.actor, req.valid.params.contactId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/contacts/:contactId/emails',
      tag: 'Contacts',
      summary: 'Add an email address to a contact',
      params: idParams('contactId'),
      body: s.emailInput,
      status: 201,
      ...mut,
    },
    async (req) =>
      domain.contacts.addContactEmail(wf, req.firmId, req.actor, req.valid.params.contactId, req.valid.body),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/accounts/:accountId/contacts/:contactId',
      operationId: 'linkAccountContact',
      tag: 'Contacts',
      summary: 'Link a contact to an account (or update the link’s description, signer priority, signing authority)',
      params: idParams('accountId', 'contactId'),
      body: s.accountLink,
      ...mut,
    },
    async (req) =>
      domain.contacts.linkContact(
        req.firmId,
        req.actor,
        req.valid.params.accountId,
        req.valid.params.contactId,
        req.valid.body,
      ),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/accounts/:accountId/contacts/:contactId',
      operationId: 'unlinkAccountContact',
      tag: 'Contacts',
      summary: 'Unlink a contact from an account (refused for the account’s last contact)',
      params: idParams('accountId', 'contactId'),
      ...mut,
    },
    async (req) =>
      domain.contacts.unlinkContact(req.firmId, req.actor, req.valid.params.accountId, req.valid.params.contactId),
  );
  route(
    r,
    {
      method: 'patch',
      path: '/v1/contact-emails/:emailId',
      tag: 'Contacts',
      summary:
        'Change an email’s address, login (off → pending sends an invitation), notify, emailSync and notification preferences',
      params: idParams('emailId'),
      body: s.contactEmailPatch,
      ...mut,
    },
    async (req) =>
      domain.contacts.updateContactEmail(wf, req.firmId, req.actor, req.valid.params.emailId, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/contact-emails/:emailId',
      tag: 'Contacts',
      summary: 'Remove an email address (not a contact’s last one); its to-dos and invitations go with it',
      params: idParams('emailId'),
      ...mut,
    },
    async (req) => domain.contacts.removeContactEmail(wf, req.firmId, req.actor, req.valid.params.emailId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/contact-emails/:emailId/todos',
      tag: 'Portal',
      summary: 'A client email’s open portal to-dos, most recent first',
      params: idParams('emailId'),
    },
    async (req) => domain.portalTodos.listTodos(req.firmId, req.actor, req.valid.params.emailId),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/contact-emails/:emailId/invitation',
      operationId: 'inviteContactEmail',
      tag: 'Portal',
      summary: 'Invite an email to the portal now or at sendAt (replaces a pending invitation); login becomes pending',
      params: idParams('emailId'),
      body: s.invitationRequest,
      status: 201,
      ...mut,
    },
    async (req) => domain.invitations.inviteEmail(wf, req.firmId, req.actor, req.valid.params.emailId, req.valid.body),
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/contact-emails/:emailId/invitation/resend',
      tag: 'Portal',
      summary: 'Send the pending invitation again with a fresh link (the previous link stops working)',
      params: idParams('emailId'),
      status: 202,
      ...mut,
    },
    async (req) => domain.invitations.resendInvitation(wf, req.firmId, req.actor, req.valid.params.emailId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/contact-emails/:emailId/invitations',
      tag: 'Portal',
      summary: 'An email’s invitations, newest first',
      params: idParams('emailId'),
    },
    async (req) => domain.invitations.listInvitations(req.firmId, req.actor, req.valid.params.emailId),
  );

  return r;
}

/** Routes the portal calls without a firm API key; app.ts mounts them before authentication. */
export function publicInvitationRoutes(domain: DomainServices, wf: InvitationWorkflows): Router {
  const r = Router();
  route(
    r,
    {
      method: 'post',
      path: '/v1/invitations/accept',
      operationId: 'acceptInvitation',
      tag: 'Portal',
      summary: 'Accept a portal invitation with the single-use token from its email; the email’s login becomes active',
      body: s.acceptInvitation,
      public: true,
      // Already accepted (a retry); withdrawn or expired.
      problems: [409, 410],
    },
    async (req) => domain.invitations.acceptInvitation(wf, req.valid.body.token),
  );
  return r;
}
