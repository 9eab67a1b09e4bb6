// Accounts, contacts, their emails (toggles and preferences) and account–contact links.
// Every query is scoped by firm: another firm's ids are simply "not found".
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { PREFERENCE_CATEGORIES, type PreferenceCategory } from '../../shared/recipients';
import { audit } from './audit';
import { conflict, notFound } from '../problem';

export type Preferences = Partial<Record<PreferenceCategory, boolean>>;

const PREF_COLUMN: Record<PreferenceCategory, string> = {
  documentUploads: 'prefDocumentUploads',
  signatures: 'prefSignatures',
  approvals: 'prefApprovals',
  messages: 'prefMessages',
  proposals: 'prefProposals',
  questionnaires: 'prefQuestionnaires',
  invoices: 'prefInvoices',
  clientRequests: 'prefClientRequests',
};

export function preferenceColumns(p: Preferences | undefined): Record<string, boolean> {
  return Object.fromEntries(Object.entries(p ?? {}).map(([k, v]) => [PREF_COLUMN[k as PreferenceCategory], v]));
}

type EmailRow = Awaited<ReturnType<Db['contactEmail']['findFirstOrThrow']>>;

export function presentEmail(e: EmailRow) {
  return {
    id: e.id,
    contactId: e.contactId,
    address: e.address,
    login: e.login,
    notify: e.notify,
    emailSync: e.emailSync,
    preferences: Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, (e as unknown as Record<string, boolean>)[PREF_COLUMN[c]]])),
  };
}

export async function requireAccount(db: Db | Prisma.TransactionClient, firmId: string, accountId: string) {
  const account = await db.account.findFirst({ where: { id: accountId, firmId } });
  if (!account) throw notFound('Account', accountId);
  return account;
}

export async function requireContact(db: Db | Prisma.TransactionClient, firmId: string, contactId: string) {
  const contact = await db.contact.findFirst({ where: { id: contactId, firmId } });
  if (!contact) throw notFound('Contact', contactId);
  return contact;
}

const uniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

export async function createAccount(db: Db, firmId: string, actorId: string, input: { name: string; type: 'individual' | 'company' | 'other'; photoUrl?: string; customFields?: Record<string, unknown> }) {
  return db.$transaction(async (tx) => {
    const account = await tx.account.create({
      data: { firmId, name: input.name, type: input.type, photoUrl: input.photoUrl, customFields: (input.customFields ?? {}) as Prisma.InputJsonObject },
    });
    await audit(tx, { firmId, actorId, action: 'account.created', accountId: account.id, data: { name: account.name, type: account.type } });
    return account;
  });
}

export async function getAccount(db: Db, firmId: string, accountId: string) {
  const account = await db.account.findFirst({
    where: { id: accountId, firmId },
    include: { contacts: { include: { contact: { include: { emails: { orderBy: { address: 'asc' } } } } } } },
  });
  if (!account) throw notFound('Account', accountId);
  const contacts = account.contacts
    .map((l) => ({
      id: l.contact.id,
      firstName: l.contact.firstName,
      lastName: l.contact.lastName,
      description: l.description,
      signerPriority: l.signerPriority,
      signingAuthority: l.signingAuthority,
      emails: l.contact.emails.map(presentEmail),
    }))
    .sort((a, b) => `${a.lastName} ${a.firstName}`.localeCompare(`${b.lastName} ${b.firstName}`));
  const { contacts: _links, ...rest } = account;
  return { ...rest, contacts };
}

export async function createContact(
  db: Db,
  firmId: string,
  actorId: string,
  input: {
    firstName: string;
    lastName: string;
    phone?: string;
    emails: { address: string; login?: 'off' | 'pending' | 'active'; notify?: boolean; emailSync?: boolean; preferences?: Preferences }[];
    accounts?: { accountId: string; description?: string; signerPriority?: number; signingAuthority?: boolean }[];
  },
) {
  try {
    return await db.$transaction(async (tx) => {
      for (const link of input.accounts ?? []) await requireAccount(tx, firmId, link.accountId);
      const contact = await tx.contact.create({ data: { firmId, firstName: input.firstName, lastName: input.lastName, phone: input.phone } });
      for (const e of input.emails) {
        await tx.contactEmail.create({
          data: {
            firmId,
            contactId: contact.id,
            address: e.address.toLowerCase(),
            login: e.login ?? 'off',
            notify: e.notify ?? true,
            emailSync: e.emailSync ?? false,
            ...preferenceColumns(e.preferences),
          },
        });
      }
      for (const link of input.accounts ?? []) {
        await tx.accountContact.create({
          data: { accountId: link.accountId, contactId: contact.id, description: link.description ?? '', signerPriority: link.signerPriority ?? 0, signingAuthority: link.signingAuthority ?? false },
        });
        await audit(tx, { firmId, actorId, action: 'contact.linked', accountId: link.accountId, data: { contactId: contact.id } });
      }
      await audit(tx, { firmId, actorId, action: 'contact.created', data: { contactId: contact.id } });
      const emails = await tx.contactEmail.findMany({ where: { contactId: contact.id }, orderBy: { address: 'asc' } });
      return { ...contact, emails: emails.map(presentEmail) };
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('email-taken', 'Email address already in use', 'Another contact of this firm already has one of these email addresses.');
    throw err;
  }
}

export async function getContact(db: Db, firmId: string, contactId: string) {
  const contact = await db.contact.findFirst({ where: { id: contactId, firmId }, include: { emails: { orderBy: { address: 'asc' } }, accounts: true } });
  if (!contact) throw notFound('Contact', contactId);
  return { ...contact, emails: contact.emails.map(presentEmail) };
}

export async function linkContact(db: Db, firmId: string, actorId: string, accountId: string, contactId: string, link: { description?: string; signerPriority?: number; signingAuthority?: boolean }) {
  return db.$transaction(async (tx) => {
    await requireAccount(tx, firmId, accountId);
    await requireContact(tx, firmId, contactId);
    const row = await tx.accountContact.upsert({
      where: { accountId_contactId: { accountId, contactId } },
      create: { accountId, contactId, description: link.description ?? '', signerPriority: link.signerPriority ?? 0, signingAuthority: link.signingAuthority ?? false },
      update: link,
    });
    await audit(tx, { firmId, actorId, action: 'contact.linked', accountId, data: { contactId, ...link } });
    return row;
  });
}

export async function updateContactEmail(
  db: Db,
  firmId: string,
  actorId: string,
  emailId: string,
  patch: { login?: 'off' | 'pending' | 'active'; notify?: boolean; emailSync?: boolean; preferences?: Preferences },
) {
  return db.$transaction(async (tx) => {
    const email = await tx.contactEmail.findFirst({ where: { id: emailId, firmId } });
    if (!email) throw notFound('Contact email', emailId);
    const { preferences, ...toggles } = patch;
    const updated = await tx.contactEmail.update({ where: { id: emailId }, data: { ...toggles, ...preferenceColumns(preferences) } });
    await audit(tx, { firmId, actorId, action: 'contact_email.updated', data: { contactEmailId: emailId, contactId: email.contactId, changes: patch as Prisma.InputJsonObject } });
    return presentEmail(updated);
  });
}

export async function listTodos(db: Db, firmId: string, emailId: string) {
  const email = await db.contactEmail.findFirst({ where: { id: emailId, firmId }, select: { id: true } });
  if (!email) throw notFound('Contact email', emailId);
  const todos = await db.portalTodo.findMany({ where: { contactEmailId: emailId, status: 'open' }, orderBy: [{ bumpedAt: 'desc' }, { createdAt: 'desc' }] });
  return todos.map((t) => ({ id: t.id, accountId: t.accountId, itemKind: t.itemKind, itemId: t.itemId, title: t.title, status: t.status, bumpedAt: t.bumpedAt.toISOString() }));
}

export async function closeTodos(tx: Db | Prisma.TransactionClient, itemKind: 'chat' | 'signature' | 'approval', itemId: string) {
  await tx.portalTodo.updateMany({ where: { itemKind, itemId, status: 'open' }, data: { status: 'done' } });
}
