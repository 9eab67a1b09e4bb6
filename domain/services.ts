// The domain's operations bound to the database, as the API calls them: a route names an operation
// (`domain.contacts.createContact(...)`) and never holds the database handle itself.
import type { Db } from '../prisma/client';
import * as accounts from './accounts/accounts';
import * as accountList from './accounts/list';
import * as accountProfile from './accounts/profile';
import * as team from './accounts/team';
import * as audit from './audit/audit';
import * as contacts from './contacts/contacts';
import * as csvImport from './contacts/csv-import';
import * as apiKeys from './firms/api-keys';
import * as users from './firms/users';
import * as inbox from './inbox/inbox';
import * as invitations from './invitations/invitations';
import * as portalTodos from './items/portal-todos';
import * as customActions from './settings/custom-actions';
import * as customFields from './settings/custom-fields';
import * as emailTemplates from './settings/email-templates';
import * as gdprStatuses from './settings/gdpr-statuses';
import * as sendWindow from './settings/send-window';
import * as digest from './digest/settings';
import * as pauses from './items/pauses';
import * as templates from './settings/templates';
import * as clientActions from './timeline/client-actions';
import * as notes from './timeline/notes';
import * as timeline from './timeline/timeline';

type WithoutDb<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => R : never;

/** A module's operations that take the database first, with the database already given. */
export type BoundModule<M> = {
  [K in keyof M as M[K] extends (db: Db, ...args: never[]) => unknown ? K : never]: WithoutDb<M[K]>;
};

function bindDb<M extends object>(module: M, db: Db): BoundModule<M> {
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === 'function') bound[name] = (...args: unknown[]) => value(db, ...args);
  }
  return bound as BoundModule<M>;
}

export function createDomainServices(db: Db) {
  return {
    accounts: bindDb(accounts, db),
    accountList: bindDb(accountList, db),
    accountProfile: bindDb(accountProfile, db),
    team: bindDb(team, db),
    audit: bindDb(audit, db),
    contacts: bindDb(contacts, db),
    csvImport: bindDb(csvImport, db),
    apiKeys: bindDb(apiKeys, db),
    users: bindDb(users, db),
    inbox: bindDb(inbox, db),
    invitations: bindDb(invitations, db),
    portalTodos: bindDb(portalTodos, db),
    customActions: bindDb(customActions, db),
    customFields: bindDb(customFields, db),
    emailTemplates: bindDb(emailTemplates, db),
    gdprStatuses: bindDb(gdprStatuses, db),
    sendWindow: bindDb(sendWindow, db),
    digest: bindDb(digest, db),
    pauses: bindDb(pauses, db),
    templates: bindDb(templates, db),
    clientActions: bindDb(clientActions, db),
    notes: bindDb(notes, db),
    timeline: bindDb(timeline, db),
  };
}

export type DomainServices = ReturnType<typeof createDomainServices>;
