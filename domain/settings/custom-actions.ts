// Firm-defined custom actions (SPEC §7): their definitions, each a name and a list of typed fields.
import type { Db } from '../../prisma/client';
import { isUniqueViolation, Prisma } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, invalid, notFound } from '../errors';
import { changedKeys, lockSetting, requireFirmAdmin } from './admin';

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'email', 'select', 'boolean'] as const;
export interface CustomActionField {
  key: string;
  label: string;
  type: (typeof CUSTOM_FIELD_TYPES)[number];
  required?: boolean;
  options?: string[];
}

/** What zod cannot say about a definition's fields: a select has options, keys are distinct. */
function checkCustomActionFields(fields: CustomActionField[]): void {
  fields.forEach((f, i) => {
    if (f.type === 'select' && !f.options?.length)
      throw invalid(`body.fields.${i}.options`, 'a select field needs options');
  });
  if (new Set(fields.map((f) => f.key)).size !== fields.length)
    throw invalid('body.fields', 'field keys must be distinct');
}

export async function createCustomAction(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { name: string; fields: CustomActionField[] },
) {
  requireFirmAdmin(actor);
  checkCustomActionFields(input.fields);
  try {
    return await db.$transaction(async (tx) => {
      const def = await tx.customActionDefinition.create({
        data: { firmId, name: input.name, fields: input.fields as unknown as Prisma.InputJsonArray },
      });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'custom_action.defined',
        data: { customActionId: def.id, name: def.name },
      });
      return def;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('name-taken', 'Name already in use', 'The firm already has a custom action with this name.');
    throw err;
  }
}

export const listCustomActions = (db: Db, firmId: string) =>
  db.customActionDefinition.findMany({ where: { firmId }, orderBy: { name: 'asc' } });

/**
 * Renames a custom action or replaces its fields. Runs are audit entries that carry the action's name,
 * values and field labels as they were, so changing (or deleting) the definition leaves them readable.
 */
export async function updateCustomAction(
  db: Db,
  firmId: string,
  actor: Actor,
  definitionId: string,
  patch: { name?: string; fields?: CustomActionField[] },
) {
  requireFirmAdmin(actor);
  if (patch.fields) checkCustomActionFields(patch.fields);
  try {
    return await db.$transaction(async (tx) => {
      await lockSetting(tx, 'customAction', firmId, definitionId, 'update');
      const before = await tx.customActionDefinition.findFirst({ where: { id: definitionId, firmId } });
      if (!before) throw notFound('Custom action', definitionId);
      const data: Prisma.CustomActionDefinitionUpdateInput = {};
      if (patch.name !== undefined) data.name = patch.name;
      if (patch.fields !== undefined) data.fields = patch.fields as unknown as Prisma.InputJsonArray;
      const def = await tx.customActionDefinition.update({ where: { id: definitionId }, data });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'custom_action.updated',
        data: { customActionId: def.id, from: before.name, name: def.name, changed: changedKeys(patch) },
      });
      return def;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('name-taken', 'Name already in use', 'The firm already has a custom action with this name.');
    throw err;
  }
}

/** Deletes the definition only: its runs stay on the timelines (audit entries with their own copy of name, labels and values). */
export async function deleteCustomAction(db: Db, firmId: string, actor: Actor, definitionId: string) {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    await lockSetting(tx, 'customAction', firmId, definitionId, 'update');
    const def = await tx.customActionDefinition.findFirst({ where: { id: definitionId, firmId } });
    if (!def) throw notFound('Custom action', definitionId);
    await tx.customActionDefinition.delete({ where: { id: definitionId } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'custom_action.deleted',
      data: { customActionId: definitionId, name: def.name },
    });
  });
}
