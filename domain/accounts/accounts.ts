// Accounts: create, update, the firm-scoped lookup every account route starts from, and the firm's tags.
import type { Db, Tx, Queryable } from '../../prisma/client';
import { isUuid } from '../../shared/ids';
import { isUniqueViolation } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { audit } from '../audit/audit';
import { presentEmail } from '../contacts/email-view';
import { holdCustomFieldDefinitions, validateCustomFields } from '../settings/custom-fields';
import { lowerIds, requireFirmUsers, requireWritableAccountAccess, setTeam } from './team';
import { requireAccountAccess, seesAllAccounts, type Actor } from '../access/access';
import { conflict, forbidden, invalid, notFound } from '../errors';

export type AccountType = 'individual' | 'company' | 'other';

export async function requireAccount(db: Queryable, firmId: string, accountId: string) {
  const account = await db.account.findFirst({ where: { id: accountId, firmId } });
  if (!account) throw notFound('Account', accountId);
  return account;
}

export interface AccountInput {
  name: string;
  type: AccountType;
  photoUrl?: string;
  customFields?: Record<string, unknown>;
  /** Tag ids or tag names of this firm. */
  tags?: string[];
  /** Firm user ids. */
  team?: string[];
}

/** Creates an account; an employee without "view all" who creates it joins its team. */
export async function createAccount(db: Db, firmId: string, actor: Actor, account: AccountInput) {
  const actorId = actor.id;
  const named = account.team && lowerIds(account.team);
  // Otherwise an employee limited to their own accounts could not open the account they just made.
  const team = seesAllAccounts(actor) || named?.includes(actorId) ? named : [...(named ?? []), actorId];
  const input: AccountInput = { ...account, team };
  return db.$transaction(async (tx) => {
    await holdCustomFieldDefinitions(tx, firmId, 'account');
    const customFields = await validateCustomFields(tx, firmId, 'account', input.customFields ?? {});
    const tagIds = input.tags ? await resolveTags(tx, firmId, input.tags) : [];
    if (input.team) await requireFirmUsers(tx, firmId, input.team, 'body.team');
    const account = await tx.account.create({
      data: { firmId, name: input.name, type: input.type, photoUrl: input.photoUrl, customFields },
    });
    await audit(tx, {
      firmId,
      actorId,
      action: 'account.created',
      accountId: account.id,
      data: { name: account.name, type: account.type },
    });
    if (tagIds.length)
      await tx.accountTag.createMany({ data: tagIds.map((tagId) => ({ accountId: account.id, tagId })) });
    if (input.team) await setTeam(tx, firmId, actorId, account.id, input.team);
    return account;
  });
}

export interface AccountPatch {
  name?: string;
  type?: AccountType;
  photoUrl?: string | null;
  /** Merged into the stored values; null clears a field. */
  customFields?: Record<string, unknown>;
  /** Replaces the account's tags. */
  tags?: string[];
  /** Replaces the team; each addition and removal is recorded in the team history. */
  team?: string[];
}

export async function updateAccount(db: Db, firmId: string, actor: Actor, accountId: string, patch: AccountPatch) {
  await requireAccountAccess(db, firmId, actor, accountId);
  const actorId = actor.id;
  return db.$transaction(async (tx) => {
    if (patch.customFields !== undefined) await holdCustomFieldDefinitions(tx, firmId, 'account');
    const account = await requireWritableAccountAccess(tx, firmId, actor, accountId);
    const data: Prisma.AccountUpdateInput = { updatedAt: new Date() };
    if (patch.name !== undefined) data.name = patch.name;
    if (patch.type !== undefined) data.type = patch.type;
    if (patch.photoUrl !== undefined) data.photoUrl = patch.photoUrl;
    if (patch.customFields !== undefined) {
      const stored = account.customFields as Record<string, unknown>;
      data.customFields = await validateCustomFields(tx, firmId, 'account', patch.customFields, stored);
    }
    const tagIds = patch.tags ? await resolveTags(tx, firmId, patch.tags) : undefined;
    if (patch.team) {
      // Read under the account's lock: a member deactivated since stays while the rest of the team changes.
      const members = await tx.accountTeamMember.findMany({ where: { accountId }, select: { firmUserId: true } });
      await requireFirmUsers(tx, firmId, patch.team, 'body.team', new Set(members.map((m) => m.firmUserId)));
    }
    const updated = await tx.account.update({ where: { id: accountId }, data });
    if (tagIds) {
      await tx.accountTag.deleteMany({ where: { accountId, tagId: { notIn: tagIds } } });
      await tx.accountTag.createMany({ data: tagIds.map((tagId) => ({ accountId, tagId })), skipDuplicates: true });
    }
    if (patch.team) await setTeam(tx, firmId, actorId, accountId, patch.team);
    const { team: _recordedPerChange, ...changes } = patch;
    await audit(tx, {
      firmId,
      actorId,
      action: 'account.updated',
      accountId,
      data: { changes: changes as Prisma.InputJsonObject },
    });
    return updated;
  });
}

/** Tag references are ids or names of the firm's tags; an unknown one is invalid, naming it. */
async function resolveTags(tx: Tx, firmId: string, given: string[]): Promise<string[]> {
  // An id is taken in any case (the database writes it in lower case); a name is matched as written.
  const refs = given.map((r) => (isUuid(r) ? r.toLowerCase() : r));
  const ids = refs.filter((r) => isUuid(r));
  const names = refs.filter((r) => !isUuid(r));
  // Key-share locked: a tag deleted meanwhile waits for this change, or is gone before it looks (then 422).
  const tags = await tx.$queryRaw<{ id: string; name: string }[]>`
    SELECT id::text AS id, name FROM "Tag"
    WHERE "firmId" = ${firmId}::uuid AND (id = ANY(${ids}::uuid[]) OR name = ANY(${names}::text[]))
    FOR KEY SHARE`;
  const resolved = refs.map((r, i) => {
    const tag = tags.find((t) => t.id === r || t.name === r);
    if (!tag) throw invalid(`body.tags.${i}`, `no tag "${given[i]}" in this firm`);
    return tag.id;
  });
  return [...new Set(resolved)];
}

export async function createTag(db: Db, firmId: string, actorId: string, input: { name: string; color?: string }) {
  try {
    return await db.$transaction(async (tx) => {
      const tag = await tx.tag.create({
        data: { firmId, name: input.name, ...(input.color ? { color: input.color } : {}) },
      });
      await audit(tx, {
        firmId,
        actorId,
        action: 'tag.created',
        data: { tagId: tag.id, name: tag.name, color: tag.color },
      });
      return tag;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('tag-exists', 'Tag already exists', `The firm already has a tag named "${input.name}".`);
    throw err;
  }
}

export function listTags(db: Db, firmId: string) {
  return db.tag.findMany({ where: { firmId }, orderBy: { name: 'asc' } });
}

/** The firm's tag, locked until the transaction ends so a concurrent change or delete waits for this one. */
async function requireTag(tx: Tx, firmId: string, tagId: string) {
  await tx.$executeRaw`SELECT 1 FROM "Tag" WHERE id = ${tagId}::uuid AND "firmId" = ${firmId}::uuid FOR UPDATE`;
  const tag = await tx.tag.findFirst({ where: { id: tagId, firmId } });
  if (!tag) throw notFound('Tag', tagId);
  return tag;
}

/** A tag is on accounts across the firm, some an employee may not open: renaming or deleting it is a firm setting. */
const requireTagManager = (actor: Actor) => {
  if (actor.role === 'employee')
    throw forbidden('Only the owner and admins may rename or delete tags: a tag is on accounts across the firm.');
};

export async function updateTag(
  db: Db,
  firmId: string,
  actor: Actor,
  tagId: string,
  patch: { name?: string; color?: string },
) {
  requireTagManager(actor);
  const actorId = actor.id;
  try {
    return await db.$transaction(async (tx) => {
      const tag = await requireTag(tx, firmId, tagId);
      const data: Prisma.TagUpdateInput = {};
      if (patch.name !== undefined) data.name = patch.name;
      if (patch.color !== undefined) data.color = patch.color;
      const updated = await tx.tag.update({ where: { id: tagId }, data });
      await audit(tx, {
        firmId,
        actorId,
        action: 'tag.updated',
        data: { tagId, from: { name: tag.name, color: tag.color }, to: { name: updated.name, color: updated.color } },
      });
      return updated;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('tag-exists', 'Tag already exists', `The firm already has a tag named "${patch.name}".`);
    throw err;
  }
}

/** Deletes the tag; the database removes it from every account (AccountTag cascades). */
export async function deleteTag(db: Db, firmId: string, actor: Actor, tagId: string) {
  requireTagManager(actor);
  const actorId = actor.id;
  await db.$transaction(async (tx) => {
    const tag = await requireTag(tx, firmId, tagId);
    const accounts = await tx.accountTag.count({ where: { tagId } });
    await tx.tag.delete({ where: { id: tagId } });
    await audit(tx, {
      firmId,
      actorId,
      action: 'tag.deleted',
      data: { tagId, name: tag.name, color: tag.color, removedFromAccounts: accounts },
    });
  });
}

/** The account with its linked contacts in alphabetical order, each with its per-account link and all its emails. */
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
