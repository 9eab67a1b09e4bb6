// Chat templates (the body of a bulk "send message") and folder templates (the folders a bulk "apply
// folder template" creates). Names are unique per firm. Anyone on the staff adds one; owners and admins change
// and delete them (they serve the whole firm, as tags do). A bulk action running on a template takes a change
// within its context's cache and skips its remaining accounts once the template is deleted.
import type { Db, Tx } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import { audit } from '../audit/audit';
import { changedFields } from '../changes';
import { conflict, forbidden, notFound } from '../errors';
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

function requireTemplateManager(actor: Actor): void {
  if (actor.role === 'employee')
    throw forbidden('Only the owner and admins may change or delete a template: it serves the whole firm.');
}

type ChatTemplateRow = { id: string; name: string; body: string; createdAt: Date };
type FolderTemplateRow = { id: string; name: string; folders: unknown; createdAt: Date };

/** What changing and deleting a chat or a folder template differ in. */
interface TemplateKind<Row extends { id: string; name: string }, Patch> {
  label: string;
  /** Audit actions `<prefix>.updated` / `<prefix>.deleted`, and the data key of the template's id. */
  prefix: 'chat_template' | 'folder_template';
  idKey: 'chatTemplateId' | 'folderTemplateId';
  table: 'ChatTemplate' | 'FolderTemplate';
  find(tx: Tx, firmId: string, id: string): Promise<Row | null>;
  update(tx: Tx, id: string, data: Partial<Patch>): Promise<Row>;
  remove(tx: Tx, firmId: string, id: string): Promise<number>;
  present(row: Row): unknown;
}

const CHAT: TemplateKind<ChatTemplateRow, { name: string; body: string }> = {
  label: 'Chat template',
  prefix: 'chat_template',
  idKey: 'chatTemplateId',
  table: 'ChatTemplate',
  find: (tx, firmId, id) => tx.chatTemplate.findFirst({ where: { id, firmId } }),
  update: (tx, id, data) => tx.chatTemplate.update({ where: { id }, data }),
  remove: async (tx, firmId, id) => (await tx.chatTemplate.deleteMany({ where: { id, firmId } })).count,
  present: presentChat,
};

const FOLDER: TemplateKind<FolderTemplateRow, { name: string; folders: string[] }> = {
  label: 'Folder template',
  prefix: 'folder_template',
  idKey: 'folderTemplateId',
  table: 'FolderTemplate',
  find: (tx, firmId, id) => tx.folderTemplate.findFirst({ where: { id, firmId } }),
  update: (tx, id, data) => tx.folderTemplate.update({ where: { id }, data }),
  remove: async (tx, firmId, id) => (await tx.folderTemplate.deleteMany({ where: { id, firmId } })).count,
  present: presentFolder,
};

/** The firm's template, locked until the transaction ends: a change and a delete at once wait one for the other. */
async function lockedTemplate<Row extends { id: string; name: string }, Patch>(
  tx: Tx,
  kind: TemplateKind<Row, Patch>,
  firmId: string,
  id: string,
) {
  await tx.$executeRawUnsafe(
    `SELECT 1 FROM "${kind.table}" WHERE id = $1::uuid AND "firmId" = $2::uuid FOR UPDATE`,
    id,
    firmId,
  );
  return kind.find(tx, firmId, id);
}

/** A change of the fields that differ, with its audit entry; the same values again write nothing. */
async function updateTemplate<Row extends { id: string; name: string }, Patch extends { name: string }>(
  db: Db,
  kind: TemplateKind<Row, Patch>,
  firmId: string,
  actor: Actor,
  id: string,
  patch: Partial<Patch>,
) {
  requireTemplateManager(actor);
  try {
    return await db.$transaction(async (tx) => {
      const row = await lockedTemplate(tx, kind, firmId, id);
      if (!row) throw notFound(kind.label, id);
      const data = changedFields(row as unknown as Patch, patch);
      if (!Object.keys(data).length) return kind.present(row);
      const updated = await kind.update(tx, row.id, data);
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: `${kind.prefix}.updated`,
        data: { [kind.idKey]: row.id, name: updated.name, changed: Object.keys(data) },
      });
      return kind.present(updated);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(kind.label, patch.name ?? '');
    throw err;
  }
}

/** Deletes it with its audit entry; of two deletes at once, the second is not found. */
async function deleteTemplate<Row extends { id: string; name: string }, Patch>(
  db: Db,
  kind: TemplateKind<Row, Patch>,
  firmId: string,
  actor: Actor,
  id: string,
) {
  requireTemplateManager(actor);
  await db.$transaction(async (tx) => {
    const row = await lockedTemplate(tx, kind, firmId, id);
    if (!row || !(await kind.remove(tx, firmId, row.id))) throw notFound(kind.label, id);
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: `${kind.prefix}.deleted`,
      data: { [kind.idKey]: row.id, name: row.name },
    });
  });
}

export const updateChatTemplate = (
  db: Db,
  firmId: string,
  actor: Actor,
  id: string,
  patch: { name?: string; body?: string },
) => updateTemplate(db, CHAT, firmId, actor, id, patch);
export const deleteChatTemplate = (db: Db, firmId: string, actor: Actor, id: string) =>
  deleteTemplate(db, CHAT, firmId, actor, id);
export const updateFolderTemplate = (
  db: Db,
  firmId: string,
  actor: Actor,
  id: string,
  patch: { name?: string; folders?: string[] },
) => updateTemplate(db, FOLDER, firmId, actor, id, patch);
export const deleteFolderTemplate = (db: Db, firmId: string, actor: Actor, id: string) =>
  deleteTemplate(db, FOLDER, firmId, actor, id);
