// Firm-defined custom fields of accounts and contacts: their definitions, and the check every write of
// customFields values goes through (accounts here; contacts call validateCustomFields too).
import { z } from 'zod';
import type { Db, Tx, Queryable } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { audit } from '../audit/audit';
import { conflict, forbidden, invalid, invalidFields, notFound, type FieldError } from '../errors';
import type { Actor } from '../access/access';

export type CustomFieldEntity = 'account' | 'contact';
export type CustomFieldType = 'text' | 'number' | 'date' | 'email' | 'select';
export type CustomFieldValues = Record<string, unknown>;

export interface NewCustomField {
  entity: CustomFieldEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  options?: string[];
  required?: boolean;
}

/** Defining custom fields is for the owner and admins. */
const requireManager = (actor: Actor, what: string) => {
  if (actor.role === 'employee') throw forbidden(`Only the owner and admins may ${what}.`);
};

export async function createCustomField(db: Db, firmId: string, actor: Actor, input: NewCustomField) {
  requireManager(actor, 'define custom fields');
  const actorId = actor.id;
  const options = input.options ?? [];
  if (input.type === 'select' && options.length === 0)
    throw invalid('body.options', 'a select field needs at least one option');
  if (input.type !== 'select' && options.length > 0) throw invalid('body.options', 'only select fields have options');
  if (new Set(options).size !== options.length) throw invalid('body.options', 'options must be distinct');
  try {
    return await db.$transaction(async (tx) => {
      const field = await tx.customFieldDefinition.create({
        data: {
          firmId,
          entity: input.entity,
          key: input.key,
          label: input.label,
          type: input.type,
          options,
          required: input.required ?? false,
        },
      });
      await audit(tx, {
        firmId,
        actorId,
        action: 'custom_field.created',
        data: { fieldId: field.id, entity: field.entity, key: field.key, type: field.type },
      });
      return field;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw conflict(
        'custom-field-exists',
        'Custom field already exists',
        `The firm already has a ${input.entity} field with key "${input.key}".`,
      );
    }
    throw err;
  }
}

export function listCustomFields(db: Db, firmId: string, entity?: CustomFieldEntity) {
  return db.customFieldDefinition.findMany({
    where: { firmId, ...(entity ? { entity } : {}) },
    orderBy: [{ entity: 'asc' }, { key: 'asc' }],
  });
}

export interface CustomFieldPatch {
  label?: string;
  /** Replaces a select field's options. */
  options?: string[];
}

/**
 * Changes the label or, for a select field, the options. Dropping an option that some account or contact
 * still holds is refused (a conflict): its value would no longer pass validation, so the record could not be
 * saved again until someone cleared it. Renaming an option is dropping one and adding another, so the
 * firm first moves its records to the new option. Key, type and entity stay as created: the stored
 * values depend on them.
 */
export async function updateCustomField(
  db: Db,
  firmId: string,
  actor: Actor,
  fieldId: string,
  patch: CustomFieldPatch,
) {
  requireManager(actor, 'change custom fields');
  const actorId = actor.id;
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "CustomFieldDefinition" WHERE id = ${fieldId}::uuid AND "firmId" = ${firmId}::uuid FOR UPDATE`;
    const field = await tx.customFieldDefinition.findFirst({ where: { id: fieldId, firmId } });
    if (!field) throw notFound('Custom field', fieldId);
    const data: Prisma.CustomFieldDefinitionUpdateInput = {};
    const changes: Prisma.InputJsonObject[] = [];
    if (patch.label !== undefined && patch.label !== field.label) {
      data.label = patch.label;
      changes.push({ field: 'label', from: field.label, to: patch.label });
    }
    if (patch.options !== undefined) {
      const options = patch.options;
      if (field.type !== 'select') throw invalid('body.options', 'only select fields have options');
      if (options.length === 0) throw invalid('body.options', 'a select field needs at least one option');
      if (new Set(options).size !== options.length) throw invalid('body.options', 'options must be distinct');
      const before = field.options as string[];
      const removed = before.filter((o) => !options.includes(o));
      await refuseOptionsInUse(tx, firmId, field, removed);
      data.options = options;
      changes.push({ field: 'options', added: options.filter((o) => !before.includes(o)), removed });
    }
    const updated = await tx.customFieldDefinition.update({ where: { id: fieldId }, data });
    await audit(tx, {
      firmId,
      actorId,
      action: 'custom_field.updated',
      data: { fieldId, entity: field.entity, key: field.key, changes },
    });
    return updated;
  });
}

/**
 * A conflict naming each option still held by a record. A record being saved holds the definitions
 * (holdCustomFieldDefinitions), so the change waits for it and then counts its value.
 */
async function refuseOptionsInUse(
  tx: Tx,
  firmId: string,
  field: { entity: CustomFieldEntity; key: string; label: string },
  options: string[],
) {
  const inUse: string[] = [];
  for (const option of options) {
    const holding = { firmId, customFields: { path: [field.key], equals: option } };
    const count =
      field.entity === 'account'
        ? await tx.account.count({ where: holding })
        : await tx.contact.count({ where: holding });
    if (count > 0) inUse.push(`"${option}" (${count} ${field.entity}${count === 1 ? '' : 's'})`);
  }
  if (inUse.length) {
    throw conflict(
      'option-in-use',
      'Option still in use',
      `Cannot remove ${inUse.join(', ')} from "${field.label}": change the value of those records first.`,
    );
  }
}

/**
 * Removes the definition and the values stored under its key: left behind, a value would come back under a
 * field re-created with that key (unchecked against its new type or options).
 */
export async function deleteCustomField(db: Db, firmId: string, actor: Actor, fieldId: string) {
  requireManager(actor, 'delete custom fields');
  const actorId = actor.id;
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "CustomFieldDefinition" WHERE id = ${fieldId}::uuid AND "firmId" = ${firmId}::uuid FOR UPDATE`;
    const field = await tx.customFieldDefinition.findFirst({ where: { id: fieldId, firmId } });
    if (!field) throw notFound('Custom field', fieldId);
    await tx.customFieldDefinition.delete({ where: { id: fieldId } });
    // The records are locked in id order, the order other writers of several accounts or contacts take them.
    const cleared =
      field.entity === 'account'
        ? await tx.$executeRaw`UPDATE "Account" SET "customFields" = "customFields" - ${field.key}::text
            WHERE id IN (SELECT id FROM "Account" WHERE "firmId" = ${firmId}::uuid
              AND "customFields" ? ${field.key}::text ORDER BY id FOR NO KEY UPDATE)`
        : await tx.$executeRaw`UPDATE "Contact" SET "customFields" = "customFields" - ${field.key}::text
            WHERE id IN (SELECT id FROM "Contact" WHERE "firmId" = ${firmId}::uuid
              AND "customFields" ? ${field.key}::text ORDER BY id FOR NO KEY UPDATE)`;
    await audit(tx, {
      firmId,
      actorId,
      action: 'custom_field.deleted',
      data: { fieldId, entity: field.entity, key: field.key, valuesCleared: cleared },
    });
  });
}

/**
 * Holds the firm's definitions for accounts or contacts (FOR SHARE) until the transaction ends. A save of custom
 * field values takes it before the record's own lock, the order a definition's change or delete takes them (its
 * definition, then the records holding its key): a delete or change under way is waited for and then read, and
 * one coming later waits for this save, then clears or counts what it stored. Without it a value saved as its
 * field was deleted stayed under the key, and came back under a field re-created with it.
 */
export async function holdCustomFieldDefinitions(tx: Tx, firmId: string, entity: CustomFieldEntity) {
  await tx.$executeRaw`SELECT 1 FROM "CustomFieldDefinition"
    WHERE "firmId" = ${firmId}::uuid AND entity = ${entity}::"CustomFieldEntity" FOR SHARE`;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const emailCheck = z.email();

/**
 * Checks the complete set of values an account or contact will hold (the stored ones with the patch over
 * them) against the firm's definitions: an unknown key in the patch, a value of the wrong type or a missing
 * required field is invalid, naming the field. Returns the values to store (null values dropped, so null
 * clears a field; a stored value whose definition is gone is dropped too, rather than blocking the save).
 */
export async function validateCustomFields(
  db: Queryable,
  firmId: string,
  entity: CustomFieldEntity,
  patch: CustomFieldValues,
  stored: CustomFieldValues = {},
): Promise<Prisma.InputJsonObject> {
  const fieldPrefix = 'body.customFields';
  const defs = await db.customFieldDefinition.findMany({ where: { firmId, entity } });
  const byKey = new Map(defs.map((d) => [d.key, d]));
  const errors: FieldError[] = [];
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries({ ...stored, ...patch })) {
    const field = `${fieldPrefix}.${key}`;
    const def = byKey.get(key);
    if (!def) {
      if (Object.hasOwn(patch, key) && value !== null && value !== undefined)
        errors.push({ field, message: `no ${entity} custom field "${key}" is defined` });
      continue;
    }
    if (value === null || value === undefined) continue;
    const problem = checkValue(def.type, def.options as unknown, value);
    if (problem) errors.push({ field, message: problem });
    else out[key] = typeof value === 'string' ? value.trim() : (value as number);
  }
  for (const def of defs) {
    if (def.required && (out[def.key] === undefined || out[def.key] === ''))
      errors.push({ field: `${fieldPrefix}.${def.key}`, message: `"${def.label}" is required` });
  }
  if (errors.length) throw invalidFields(errors);
  return out;
}

function checkValue(type: string, options: unknown, value: unknown): string | null {
  switch (type) {
    case 'text':
      return typeof value === 'string' && value.length <= 10_000 ? null : 'must be text of at most 10000 characters';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'date': {
      if (typeof value !== 'string' || !DATE.test(value)) return 'must be a date as YYYY-MM-DD';
      const d = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value
        ? null
        : 'must be a real calendar date';
    }
    case 'email':
      return typeof value === 'string' && emailCheck.safeParse(value.trim()).success
        ? null
        : 'must be an email address';
    case 'select':
      return typeof value === 'string' && Array.isArray(options) && options.includes(value)
        ? null
        : `must be one of: ${(Array.isArray(options) ? options : []).join(', ')}`;
    default:
      return `unsupported field type ${type}`;
  }
}
