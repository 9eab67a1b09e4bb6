// The firm's users: who may act through the API (X-Acting-User) and with which role.
import type { Db, Tx } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import type { Actor } from '../access/access';
import { DomainError, conflict, forbidden, notFound } from '../errors';
import { audit } from '../audit/audit';
import { changedFields } from '../changes';

export interface NewFirmUser {
  email: string;
  name: string;
  role: 'owner' | 'admin' | 'employee';
  canViewAllAccounts?: boolean;
}

interface LockedUser {
  id: string;
  role: Actor['role'];
  deactivatedAt: Date | null;
}

/** The acting user's row read under its lock: deactivated since the request's authentication, they act no more. */
function actingNow(row: LockedUser | undefined): Pick<Actor, 'role'> {
  if (!row || row.deactivatedAt)
    throw new DomainError(
      'forbidden',
      'acting-user-deactivated',
      'Deactivated acting user',
      'X-Acting-User was taken out of the firm; an owner or admin may make them active again.',
    );
  return { role: row.role };
}

/** Roles from least to most: nobody grants a role above their own. */
const RANK: Record<Actor['role'], number> = { employee: 0, admin: 1, owner: 2 };

/** Only owners and admins manage users, and neither grants a role above their own. */
function requireMayGrant(actor: Pick<Actor, 'role'>, role: Actor['role'], what = 'add'): void {
  if (actor.role === 'employee') throw forbidden(`Only the owner and admins may ${what} firm users.`);
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
      // Shared: a change of the actor's own role or deactivation waits for this grant, or this sees it.
      const [self] = await tx.$queryRaw<LockedUser[]>`SELECT id::text AS id, role, "deactivatedAt" FROM "FirmUser"
        WHERE "firmId" = ${firmId}::uuid AND id = ${actor.id}::uuid FOR SHARE`;
      requireMayGrant(actingNow(self), input.role);
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

/** The firm's users, by name, deactivated ones included (`deactivatedAt` set). */
export function listFirmUsers(db: Db, firmId: string) {
  return db.firmUser.findMany({ where: { firmId }, orderBy: { name: 'asc' } });
}

export interface FirmUserPatch {
  name?: string;
  role?: Actor['role'];
  canViewAllAccounts?: boolean;
  /** false: taken out of the firm (no longer acts, takes part or gets notices); true: back. */
  active?: boolean;
}

/**
 * Changes a user's name, role or "view all accounts", or takes them out of the firm and back, with one audit
 * entry naming what changed. Owners and admins only, on users not above their own role, granting none above it;
 * the firm keeps at least one active owner (409 last-owner). A value the user already has writes nothing.
 */
export async function updateFirmUser(db: Db, firmId: string, actor: Actor, userId: string, patch: FirmUserPatch) {
  requireMayGrant(actor, patch.role ?? 'employee', 'change');
  return db.$transaction(async (tx) => {
    // The firm's owners, the user and the actor, in id order: of two changes that would each leave the other the
    // last owner, or take the other's right to make them, the second sees the first. NO KEY UPDATE, as the change
    // is: rows that merely refer to a user (team members, notices) are not held up.
    const locked = await tx.$queryRaw<LockedUser[]>`SELECT id::text AS id, role, "deactivatedAt" FROM "FirmUser"
      WHERE "firmId" = ${firmId}::uuid AND (role = 'owner' OR id = ${userId}::uuid OR id = ${actor.id}::uuid)
      ORDER BY id FOR NO KEY UPDATE`;
    // The actor's rights as they stand now, not as the request's authentication cached them.
    const now = actingNow(locked.find((u) => u.id === actor.id.toLowerCase()));
    requireMayGrant(now, patch.role ?? 'employee', 'change');
    const user = locked.find((u) => u.id === userId.toLowerCase());
    if (!user) throw notFound('Firm user', userId);
    const before = await tx.firmUser.findUniqueOrThrow({ where: { id: user.id } });
    if (RANK[before.role] > RANK[now.role])
      throw forbidden(`An ${now.role} may not change an ${before.role}: nobody changes a user above their own role.`);
    const { active, ...fields } = patch;
    const data = {
      ...changedFields(before, fields),
      ...(active !== undefined && active !== (before.deactivatedAt === null)
        ? { deactivatedAt: active ? null : new Date() }
        : {}),
    };
    if (!Object.keys(data).length) return before;
    const after = { ...before, ...data };
    const ownerLeaves =
      before.role === 'owner' && !before.deactivatedAt && (after.role !== 'owner' || after.deactivatedAt);
    if (ownerLeaves) {
      const others = await tx.firmUser.count({
        where: { firmId, role: 'owner', deactivatedAt: null, id: { not: before.id } },
      });
      if (others === 0)
        throw conflict(
          'last-owner',
          'The firm’s last owner stays',
          'A firm keeps at least one active owner: make another user owner first.',
        );
    }
    const updated = await tx.firmUser.update({ where: { id: before.id }, data });
    // Names stay in the user's row; the trail says what changed and the rights it left.
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'firm_user.updated',
      data: {
        firmUserId: updated.id,
        changed: Object.keys(data).map((k) => (k === 'deactivatedAt' ? 'active' : k)),
        role: updated.role,
        canViewAllAccounts: updated.canViewAllAccounts,
        active: updated.deactivatedAt === null,
      },
    });
    return updated;
  });
}

/**
 * The named users of the firm (ids in lower case) and whether each is deactivated. Not locked: a change naming
 * them may take two such reads (an assignee, then participants), and share locks taken so, out of id order, could
 * deadlock with a user change locking owners in id order; a user deactivated in the same instant may still be
 * named, and then acts no more.
 */
export function readNamedUsers(tx: Tx | Db, firmId: string, ids: string[]) {
  return tx.firmUser.findMany({ where: { firmId, id: { in: ids } }, select: { id: true, deactivatedAt: true } });
}
