// The firm's users: who may act through the API (X-Acting-User) and with which role.
import type { Db } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import type { Actor } from '../access/access';
import { conflict, forbidden } from '../errors';
import { audit } from '../audit/audit';

export interface NewFirmUser {
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'employee';
  canViewAllAccounts?: boolean;
}

/** Roles from least to most: nobody grants a role above their own. */
const RANK: Record<Actor['role'], number> = { employee: 0, admin: 1, owner: 2 };

/** Only owners and admins manage users, and neither grants a role above their own. */
function requireMayGrant(actor: Actor, role: Actor['role']): void {
  if (actor.role === 'employee') throw forbidden('Only the owner and admins may add firm users.');
  if (RANK[role] > RANK[actor.role])
    throw forbidden(`An ${actor.role} may not grant the role ${role}: nobody grants a role above their own.`);
}

/**
 * Adds a user to the firm, if the actor may grant the role (owners and admins, up to their own role), with
 * its audit entry; an email already used in the firm is a conflict.
 */
export async function createFirmUser(db: Db, firmId: string, actor: Actor, input: NewFirmUser) {
  requireMayGrant(actor, input.role);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.firmUser.create({ data: { firmId, ...input } });
      // Who granted which role is on the trail; the new user's name and email stay in their own row.
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'firm_user.created',
        data: { firmUserId: user.id, role: user.role, canViewAllAccounts: user.canViewAllAccounts },
      });
      return user;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('email-taken', 'A firm user with this email already exists');
    throw err;
  }
}

/** The firm's users, by name. */
export function listFirmUsers(db: Db, firmId: string) {
  return db.firmUser.findMany({ where: { firmId }, orderBy: { name: 'asc' } });
}
