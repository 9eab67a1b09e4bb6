// Chat templates (the body of a bulk "send message") and folder templates (the folders a bulk "apply
// folder template" creates). Names are unique per firm.
import type { Db } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import { audit } from '../audit/audit';
import { conflict } from '../errors';
import { requireAccountAccess, type Actor } from '../access/access';

const nameTaken = (what: string, name: string) =>
  conflict(
    'template-exists',
    `${what} already exists`,
    `The firm already has a ${what.toLowerCase()} named "${name}".`,
  );
export async function createChatTemplate(
  db: Db,
  firmId: string,
  actorId: string,
  input: { name: string; body: string },
) {
  try {
    return await db.$transaction(async (tx) => {
      const t = await tx.chatTemplate.create({ data: { firmId, name: input.name, body: input.body } });
      await audit(tx, {
        firmId,
        actorId,
        action: 'chat_template.created',
        data: { chatTemplateId: t.id, name: t.name },
      });
      return presentChat(t);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken('Chat template', input.name);
    throw err;
  }
}

export async function listChatTemplates(db: Db, firmId: string) {
  return (await db.chatTemplate.findMany({ where: { firmId }, orderBy: { name: 'asc' } })).map(presentChat);
}

export async function createFolderTemplate(
  db: Db,
  firmId: string,
  actorId: string,
  input: { name: string; folders: string[] },
) {
  try {
    return await db.$transaction(async (tx) => {
      const t = await tx.folderTemplate.create({ data: { firmId, name: input.name, folders: input.folders } });
      await audit(tx, {
        firmId,
        actorId,
        action: 'folder_template.created',
        data: { folderTemplateId: t.id, name: t.name },
      });
      return presentFolder(t);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken('Folder template', input.name);
    throw err;
  }
}

export async function listFolderTemplates(db: Db, firmId: string) {
  return (await db.folderTemplate.findMany({ where: { firmId }, orderBy: { name: 'asc' } })).map(presentFolder);
}

/** An account's folders (what folder templates created), by path, if the actor may open the account. */
export async function listAccountFolders(db: Db, firmId: string, actor: Actor, accountId: string) {
  await requireAccountAccess(db, firmId, actor, accountId);
  return (await db.accountFolder.findMany({ where: { accountId }, orderBy: { path: 'asc' } })).map((f) => ({
    path: f.path,
    createdAt: f.createdAt.toISOString(),
  }));
}

const presentChat = (t: { id: string; name: string; body: string; createdAt: Date }) => ({
  id: t.id,
  name: t.name,
  body: t.body,
  createdAt: t.createdAt.toISOString(),
});
const presentFolder = (t: { id: string; name: string; folders: unknown; createdAt: Date }) => ({
  id: t.id,
  name: t.name,
  folders: t.folders as string[],
  createdAt: t.createdAt.toISOString(),
});
