// An account's team: the firm users working on it (who, for employees, decides access), and the history
// of who added or removed whom and when (AccountTeamChange), written with each change.
import type { Db, Tx } from '../../prisma/client';
import { audit } from '../audit/audit';
import { readNamedUsers } from '../firms/users';
import { invalid, notFound } from '../errors';
import { requireAccountAccess, requireWritableAccount, type Actor } from '../access/access';

/** Ids as the database writes them (a UUID is taken in any case), each once. */
export const lowerIds = (ids: string[]) => [...new Set(ids.map((id) => id.toLowerCase()))];

/**
 * Fails as invalid, naming the field, unless every id is an active user of this firm or one of `members` (the
 * team as it is: a deactivated member stays on it while the rest of the team changes).
 */
export async function requireFirmUsers(
  tx: Tx | Db,
  firmId: string,
  userIds: string[],
  field: string,
  members: ReadonlySet<string> = new Set(),
) {
  const found = await readNamedUsers(tx, firmId, lowerIds(userIds));
  const missing = userIds.find((id) => !found.some((u) => u.id === id.toLowerCase()));
  if (missing) throw invalid(field, `${missing} is not a user of this firm`);
  const deactivated = found.find((u) => u.deactivatedAt && !members.has(u.id));
  if (deactivated) throw invalid(field, `${deactivated.id} is deactivated`);
}

/** Adds a member inside the caller's transaction; returns false when already on the team (nothing recorded). */
export async function addMember(
  tx: Tx,
  firmId: string,
  actorId: string,
  accountId: string,
  firmUserId: string,
): Promise<boolean> {
  // skipDuplicates makes a concurrent double add record one change, not two.
  const { count } = await tx.accountTeamMember.createMany({ data: [{ accountId, firmUserId }], skipDuplicates: true });
  if (count === 0) return false;
  await tx.accountTeamChange.create({ data: { accountId, firmUserId, added: true, changedBy: actorId } });
  await audit(tx, { firmId, actorId, action: 'account.team_member_added', accountId, data: { firmUserId } });
  return true;
}

/** Removes a member inside the caller's transaction; returns false when not on the team. */
export async function removeMember(
  tx: Tx,
  firmId: string,
  actorId: string,
  accountId: string,
  firmUserId: string,
): Promise<boolean> {
  const { count } = await tx.accountTeamMember.deleteMany({ where: { accountId, firmUserId } });
  if (count === 0) return false;
  await tx.accountTeamChange.create({ data: { accountId, firmUserId, added: false, changedBy: actorId } });
  await audit(tx, { firmId, actorId, action: 'account.team_member_removed', accountId, data: { firmUserId } });
  return true;
}

/** Makes the team exactly `userIds`, recording each addition and removal. */
export async function setTeam(tx: Tx, firmId: string, actorId: string, accountId: string, userIds: string[]) {
  const team = lowerIds(userIds);
  const current = await tx.accountTeamMember.findMany({ where: { accountId }, select: { firmUserId: true } });
  for (const m of current)
    if (!team.includes(m.firmUserId)) await removeMember(tx, firmId, actorId, accountId, m.firmUserId);
  for (const id of team) await addMember(tx, firmId, actorId, accountId, id);
}

/**
 * Locks the account for a change and checks the actor's right again under the lock: a member taken off
 * the team while their change waited is refused, not let back on by it. (Checked before the lock too, so
 * someone off the team asking about an archived account is forbidden, not told it is archived.)
 */
export async function requireWritableAccountAccess(tx: Tx, firmId: string, actor: Actor, accountId: string) {
  const account = await requireWritableAccount(tx, firmId, accountId);
  await requireAccountAccess(tx, firmId, actor, accountId);
  return account;
}

export async function addTeamMember(db: Db, firmId: string, actor: Actor, accountId: string, userId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  const actorId = actor.id;
  const firmUserId = userId.toLowerCase();
  return db.$transaction(async (tx) => {
    await requireWritableAccountAccess(tx, firmId, actor, accountId);
    await requireFirmUsers(tx, firmId, [firmUserId], 'body.firmUserId');
    const added = await addMember(tx, firmId, actorId, accountId, firmUserId);
    if (added) await tx.account.update({ where: { id: accountId }, data: { updatedAt: new Date() } });
    return { added, team: await listTeam(tx, accountId) };
  });
}

export async function removeTeamMember(db: Db, firmId: string, actor: Actor, accountId: string, userId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  const actorId = actor.id;
  const firmUserId = userId.toLowerCase();
  await db.$transaction(async (tx) => {
    await requireWritableAccountAccess(tx, firmId, actor, accountId);
    if (!(await removeMember(tx, firmId, actorId, accountId, firmUserId))) throw notFound('Team member', firmUserId);
    await tx.account.update({ where: { id: accountId }, data: { updatedAt: new Date() } });
  });
}

/** The team of an account the actor may open, and its change history. */
export async function accountTeam(db: Db, firmId: string, actor: Actor, accountId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  const [members, history] = await Promise.all([listTeam(db, accountId), teamHistory(db, firmId, accountId)]);
  return { members, history };
}

export async function listTeam(db: Tx | Db, accountId: string) {
  const rows = await db.accountTeamMember.findMany({
    where: { accountId },
    include: { user: { select: { id: true, name: true, email: true, role: true } } },
    orderBy: { addedAt: 'asc' },
  });
  return rows.map((m) => ({ ...m.user, addedAt: m.addedAt.toISOString() }));
}

/** Newest first, with the names of the member and of who made the change. */
export async function teamHistory(db: Tx | Db, firmId: string, accountId: string) {
  const changes = await db.accountTeamChange.findMany({
    where: { accountId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  const ids = [...new Set(changes.flatMap((c) => [c.firmUserId, ...(c.changedBy ? [c.changedBy] : [])]))];
  const users = new Map(
    (await db.firmUser.findMany({ where: { firmId, id: { in: ids } }, select: { id: true, name: true } })).map((u) => [
      u.id,
      u.name,
    ]),
  );
  return changes.map((c) => ({
    change: c.added ? 'added' : 'removed',
    firmUserId: c.firmUserId,
    firmUserName: users.get(c.firmUserId) ?? null,
    changedBy: c.changedBy,
    changedByName: c.changedBy ? (users.get(c.changedBy) ?? null) : null,
    at: c.createdAt.toISOString(),
  }));
}
