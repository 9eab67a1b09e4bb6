// Seeding accounts, contacts and emails through createMany.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../prisma/client';

export interface SeededClient {
  accountId: string;
  contactId: string;
  emailId: string;
  address: string;
}

/**
 * `n` accounts, each with one linked contact whose one email has an active login and notifications on
 * (so it receives every notification and reminder). Written with createMany in chunks.
 */
export async function seedClients(db: Db, firmId: string, n: number, label: string): Promise<SeededClient[]> {
  const clients: SeededClient[] = Array.from({ length: n }, (_, i) => ({
    accountId: randomUUID(),
    contactId: randomUUID(),
    emailId: randomUUID(),
    address: `${label}-${i}-${randomUUID().slice(0, 8)}@client.bench`,
  }));
  const CHUNK = 2000;
  for (let i = 0; i < n; i += CHUNK) {
    const part = clients.slice(i, i + CHUNK);
    await db.account.createMany({
      data: part.map((c, j) => ({
        id: c.accountId,
        firmId,
        name: `${label} account ${i + j}`,
        type: 'company' as const,
      })),
    });
    await db.contact.createMany({
      data: part.map((c, j) => ({ id: c.contactId, firmId, firstName: 'Bench', lastName: `Client ${i + j}` })),
    });
    await db.contactEmail.createMany({
      data: part.map((c) => ({
        id: c.emailId,
        firmId,
        contactId: c.contactId,
        address: c.address,
        login: 'active' as const,
        notify: true,
      })),
    });
    await db.accountContact.createMany({ data: part.map((c) => ({ accountId: c.accountId, contactId: c.contactId })) });
  }
  return clients;
}
