// Firms, their users and API keys.
import type { Db } from '../../prisma/client';
import { newApiKey } from './api-keys';
import { audit } from '../audit/audit';

export interface NewFirm {
  name: string;
  owner: { email: string; name: string };
}

/** Creates a firm with its owner and first API key; the key is returned once and stored only hashed. */
export async function createFirm(db: Db, input: NewFirm) {
  const key = newApiKey();
  return db.$transaction(async (tx) => {
    const firm = await tx.firm.create({ data: { name: input.name } });
    const owner = await tx.firmUser.create({
      data: { firmId: firm.id, email: input.owner.email, name: input.owner.name, role: 'owner' },
    });
    await tx.apiKey.create({ data: { firmId: firm.id, name: 'default', prefix: key.prefix, hash: key.hash } });
    await audit(tx, { firmId: firm.id, actorId: null, action: 'firm.created', data: { ownerId: owner.id } });
    return { firm, owner, apiKey: key.key };
  });
}
