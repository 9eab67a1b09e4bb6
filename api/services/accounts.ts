// Accounts: create, read (with their contacts), and the firm-scoped lookup every account route starts from.
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { audit } from './audit';
import { presentEmail } from './contact-email-view';
import { notFound } from '../problem';

export async function requireAccount(db: Db | Prisma.TransactionClient, firmId: string, accountId: string) {
  const account = await db.account.findFirst({ where: { id: accountId, firmId } });
  if (!account) throw notFound('Account', accountId);
  return account;
}


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

