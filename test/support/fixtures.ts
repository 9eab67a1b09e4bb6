// Builders through the public API: a client account with linked contacts, a member of the firm's staff.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../prisma/client';
import { eventually, type FirmHandle } from './stack';

export interface ContactSpec {
  login?: 'off' | 'pending' | 'active';
  notify?: boolean;
  preferences?: Record<string, boolean>;
}

export async function accountWithContacts(firm: FirmHandle, specs: ContactSpec[] = [{}]) {
  const account = await firm.call('POST', '/v1/accounts', {
    name: `Account ${randomUUID().slice(0, 6)}`,
    type: 'company',
  });
  if (account.status !== 201) throw new Error(`account: ${JSON.stringify(account.body)}`);
  const contacts = [];
  for (const spec of specs) {
    const address = `client-${randomUUID()}@client.test`;
    const c = await firm.call('POST', '/v1/contacts', {
      firstName: 'Carla',
      lastName: `Client ${contacts.length}`,
      emails: [{ address, login: spec.login ?? 'active', notify: spec.notify ?? true, preferences: spec.preferences }],
      accounts: [{ accountId: account.body.id }],
    });
    if (c.status !== 201) throw new Error(`contact: ${JSON.stringify(c.body)}`);
    contacts.push({ id: c.body.id as string, emailId: c.body.emails[0].id as string, address });
  }
  return { accountId: account.body.id as string, contacts };
}

/** A member of the firm's staff (an employee unless `role` says otherwise), through the API: their id. */
export async function firmUser(firm: FirmHandle, name: string, role: 'admin' | 'employee' = 'employee') {
  const res = await firm.call('POST', '/v1/users', { email: `${role}-${randomUUID()}@firm.test`, name, role });
  if (res.status !== 201) throw new Error(`user: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Archives the account as a firm app does (the bulk archive action), once it is archived. */
export async function archiveAccount(firm: FirmHandle, db: Db, accountId: string): Promise<void> {
  const bulk = await firm.call('POST', '/v1/bulk-actions', {
    action: { kind: 'archive' },
    selection: { accountIds: [accountId] },
  });
  if (bulk.status !== 202) throw new Error(`archive: ${bulk.status} ${JSON.stringify(bulk.body)}`);
  await eventually(
    async () => (await db.account.findUniqueOrThrow({ where: { id: accountId } })).status === 'archived',
    20_000,
    'archived',
  );
}
