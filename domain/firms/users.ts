// The firm's users: who may act through the API (X-Acting-User) and with which role.
import type { Db } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import { conflict } from '../errors';

export interface NewFirmUser {
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'employee';
  canViewAllAccounts?: boolean;
}

/** Adds a user to the firm; an email already used in the firm is a conflict. */
export async function createFirmUser(db: Db, firmId: string, input: NewFirmUser) {
  try {
    return await db.firmUser.create({ data: { firmId, ...input } });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('email-taken', 'A firm user with this email already exists');
    throw err;
  }
}

/** The firm's users, by name. */
export function listFirmUsers(db: Db, firmId: string) {
  return db.firmUser.findMany({ where: { firmId }, orderBy: { name: 'asc' } });
}
