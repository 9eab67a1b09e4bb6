// Accounts, contacts, their emails and portal to-dos.
import { Router } from 'express';
import type { Db } from '../../prisma/client';
import { route, idParams } from '../route';
import * as s from '../schemas';
import * as accounts from '../services/accounts';
import * as contacts from '../services/contacts';
import * as todos from '../services/portal-todos';

export function recordRoutes(db: Db): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(r, { method: 'post', path: '/v1/accounts', tag: 'Accounts', summary: 'Create an account', body: s.newAccount, status: 201, ...mut }, async (req) =>
    accounts.createAccount(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/accounts/:accountId', tag: 'Accounts', summary: 'Get an account with its contacts (alphabetical) and their emails', params: idParams('accountId') }, async (req) =>
    accounts.getAccount(db, req.firmId, req.valid.params.accountId),
  );
  route(r, { method: 'post', path: '/v1/contacts', tag: 'Contacts', summary: 'Create a contact with its emails, optionally linked to accounts', body: s.newContact, status: 201, ...mut }, async (req) =>
    contacts.createContact(db, req.firmId, req.actorId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/contacts/:contactId', tag: 'Contacts', summary: 'Get a contact', params: idParams('contactId') }, async (req) =>
    contacts.getContact(db, req.firmId, req.valid.params.contactId),
  );
  route(r, { method: 'put', path: '/v1/accounts/:accountId/contacts/:contactId', tag: 'Contacts', summary: 'Link a contact to an account (or update the link)', params: idParams('accountId', 'contactId'), body: s.accountLink, ...mut }, async (req) =>
    contacts.linkContact(db, req.firmId, req.actorId, req.valid.params.accountId, req.valid.params.contactId, req.valid.body),
  );
  route(r, { method: 'patch', path: '/v1/contact-emails/:emailId', tag: 'Contacts', summary: 'Switch an email’s login, notify, emailSync toggles and notification preferences', params: idParams('emailId'), body: s.emailPatch, ...mut }, async (req) =>
    contacts.updateContactEmail(db, req.firmId, req.actorId, req.valid.params.emailId, req.valid.body),
  );
  route(r, { method: 'get', path: '/v1/contact-emails/:emailId/todos', tag: 'Portal', summary: 'A client email’s open portal to-dos, most recent first', params: idParams('emailId') }, async (req) =>
    todos.listTodos(db, req.firmId, req.valid.params.emailId),
  );

  return r;
}
