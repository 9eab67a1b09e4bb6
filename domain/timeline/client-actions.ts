// Client actions of SPEC §7 on contacts and accounts: activate/deactivate, status change, assignment to a
// firm user, move to another company, GDPR consent status and firm-defined custom actions. Each writes an
// audit entry per contact or account (their timeline) in the transaction of the change; an action with
// participants opens a note, so participants are emailed about it and about later comments on it.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { requireAccountAccess, type Actor } from '../access/access';
import { audit } from '../audit/audit';
import { requireContactAccess } from './timeline';
import { insertNote, requireFirmUsers } from './notes';
import type { EmailBatch } from './participant-emails';
import { participantWorkflowId, type ClientActionEmail } from '../../shared/contracts/participant-notification';
import { conflict, forbidden, invalid, invalidFields, notFound } from '../errors';

type Tx = Prisma.TransactionClient;

const uniqueViolation = (err: unknown) => err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';

/** Firm settings (GDPR statuses, email templates, custom action definitions) are for owners and admins. */
function requireFirmAdmin(actor: Actor): void {
  if (actor.role === 'employee') throw forbidden('Only the owner and admins may change the firm’s settings.');
}

const SETTINGS_TABLES = { emailTemplate: Prisma.sql`"EmailTemplate"`, gdprStatus: Prisma.sql`"GdprStatusDefinition"`, customAction: Prisma.sql`"CustomActionDefinition"` } as const;

/**
 * Definitions refer to each other by id (a GDPR status to its template) and contacts hold a GDPR status
 * by name, with no foreign keys. So a change or delete locks its definition FOR UPDATE before checking
 * what refers to it, and a write that refers to a definition locks it FOR SHARE: either the reference
 * commits first and the check sees it, or the delete does and the reference finds nothing.
 */
async function lockSetting(tx: Tx, table: keyof typeof SETTINGS_TABLES, firmId: string, id: string, mode: 'update' | 'share') {
  const lock = mode === 'update' ? Prisma.sql`FOR UPDATE` : Prisma.sql`FOR SHARE`;
  await tx.$executeRaw`SELECT 1 FROM ${SETTINGS_TABLES[table]} WHERE id = ${id}::uuid AND "firmId" = ${firmId}::uuid ${lock}`;
}

/** An email template of the firm that a GDPR status or email is about to refer to; invalid on the field otherwise. */
async function requireTemplateRef(tx: Tx, firmId: string, templateId: string, field: string) {
  await lockSetting(tx, 'emailTemplate', firmId, templateId, 'share');
  if (!(await tx.emailTemplate.findFirst({ where: { id: templateId, firmId } }))) throw invalid(field, 'no such email template in this firm');
}

const changedKeys = (patch: object) => Object.entries(patch).filter(([, v]) => v !== undefined).map(([k]) => k);

/** Opens a discussion note for an action when participants are named; otherwise nothing to email. */
async function discussion(tx: Tx, firmId: string, actorId: string, participants: string[] | undefined, about: { contactId?: string; accountId?: string }, body: string) {
  if (!participants?.length) return { noteId: null, batch: null };
  const { note, batch } = await insertNote(tx, firmId, actorId, { ...about, body, participants });
  return { noteId: note.id, batch };
}

const withDescription = (line: string, description?: string) => (description ? `${line}\n\n${description}` : line);

// --- activate / deactivate -------------------------------------------------------------------------

export async function setContactsActive(db: Db, firmId: string, actor: Actor, input: { contactIds: string[]; active: boolean }) {
  return db.$transaction(async (tx) => {
    const contacts = [];
    for (const contactId of new Set(input.contactIds)) {
      const contact = await requireContactAccess(tx, firmId, actor, contactId);
      await tx.contact.update({ where: { id: contactId }, data: { active: input.active } });
      await audit(tx, { firmId, actorId: actor.id, action: input.active ? 'contact.activated' : 'contact.deactivated', contactId, data: { wasActive: contact.active } });
      contacts.push({ id: contactId, active: input.active });
    }
    return { contacts };
  });
}

// --- status change ---------------------------------------------------------------------------------

export async function changeContactStatus(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { contactIds: string[]; status: string; description?: string; participants?: string[] },
) {
  const ids = [...new Set(input.contactIds)];
  return db.$transaction(async (tx) => {
    const before = [];
    for (const contactId of ids) before.push(await requireContactAccess(tx, firmId, actor, contactId));
    // One discussion for the whole action, on the first contact; every contact's entry points to it.
    const { noteId, batch } = await discussion(tx, firmId, actor.id, input.participants, { contactId: ids[0] }, withDescription(`Status changed to “${input.status}” for ${ids.length} contact(s).`, input.description));
    for (const contact of before) {
      await tx.contact.update({ where: { id: contact.id }, data: { status: input.status } });
      await audit(tx, { firmId, actorId: actor.id, action: 'contact.status_changed', contactId: contact.id, data: { from: contact.status, to: input.status, description: input.description ?? null, noteId, participants: input.participants ?? [] } });
    }
    return { result: { contacts: before.map((c) => ({ id: c.id, status: input.status })), noteId }, batch };
  });
}

// --- assignment to a firm user ---------------------------------------------------------------------

export async function assignToUser(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { userId: string; accountIds?: string[]; contactIds?: string[]; description?: string; participants?: string[] },
) {
  const accountIds = [...new Set(input.accountIds ?? [])];
  const contactIds = [...new Set(input.contactIds ?? [])];
  return db.$transaction(async (tx) => {
    await requireFirmUsers(tx, firmId, [input.userId], 'body.userId');
    const accounts = [];
    for (const id of accountIds) accounts.push(await requireAccountAccess(tx, firmId, actor, id));
    const contacts = [];
    for (const id of contactIds) contacts.push(await requireContactAccess(tx, firmId, actor, id));
    const about = contactIds.length ? { contactId: contactIds[0] } : { accountId: accountIds[0] };
    const { noteId, batch } = await discussion(tx, firmId, actor.id, input.participants, about, withDescription(`Assigned ${accounts.length} account(s) and ${contacts.length} contact(s).`, input.description));
    const data = (from: string | null) => ({ from, to: input.userId, description: input.description ?? null, noteId, participants: input.participants ?? [] });
    for (const a of accounts) {
      await tx.account.update({ where: { id: a.id }, data: { assignedUserId: input.userId } });
      await audit(tx, { firmId, actorId: actor.id, action: 'account.assigned', accountId: a.id, data: data(a.assignedUserId) });
    }
    for (const c of contacts) {
      await tx.contact.update({ where: { id: c.id }, data: { assignedUserId: input.userId } });
      await audit(tx, { firmId, actorId: actor.id, action: 'contact.assigned', contactId: c.id, data: data(c.assignedUserId) });
    }
    return { result: { userId: input.userId, accountIds, contactIds, noteId }, batch };
  });
}

// --- move a contact to another company -------------------------------------------------------------

export async function moveContact(
  db: Db,
  firmId: string,
  actor: Actor,
  contactId: string,
  input: { toAccountId: string; fromAccountId?: string; description?: string; participants?: string[] },
) {
  return db.$transaction(async (tx) => {
    const contact = await requireContactAccess(tx, firmId, actor, contactId);
    const target = await requireAccountAccess(tx, firmId, actor, input.toAccountId);
    if (target.type !== 'company') throw invalid('body.toAccountId', 'must be a company account');
    const links = await tx.accountContact.findMany({ where: { contactId }, include: { account: { select: { type: true } } } });
    if (links.some((l) => l.accountId === target.id)) throw conflict('already-linked', 'Contact already linked to this company', 'The contact is already linked to the target account.');
    let from = input.fromAccountId ? links.find((l) => l.accountId === input.fromAccountId) : undefined;
    if (input.fromAccountId && !from) throw invalid('body.fromAccountId', 'the contact is not linked to this account');
    if (!from) {
      const companies = links.filter((l) => l.account.type === 'company');
      if (companies.length > 1) throw invalid('body.fromAccountId', 'the contact belongs to several companies: name the one it leaves');
      from = companies[0];
    }
    if (from) {
      await requireAccountAccess(tx, firmId, actor, from.accountId);
      await tx.accountContact.delete({ where: { accountId_contactId: { accountId: from.accountId, contactId } } });
    }
    // The link's description and signing fields move with the contact.
    const link = await tx.accountContact.create({
      data: { accountId: target.id, contactId, description: from?.description ?? '', signerPriority: from?.signerPriority ?? 0, signingAuthority: from?.signingAuthority ?? false },
    });
    const { noteId, batch } = await discussion(tx, firmId, actor.id, input.participants, { contactId }, withDescription(`${contact.firstName} ${contact.lastName} moved to ${target.name}.`, input.description));
    const data = { fromAccountId: from?.accountId ?? null, toAccountId: target.id, description: input.description ?? null, noteId, participants: input.participants ?? [] };
    if (from) await audit(tx, { firmId, actorId: actor.id, action: 'contact.moved_out', contactId, accountId: from.accountId, data });
    await audit(tx, { firmId, actorId: actor.id, action: 'contact.moved_in', contactId, accountId: target.id, data });
    return { result: { contactId, fromAccountId: from?.accountId ?? null, link, noteId }, batch };
  });
}

// --- email templates and GDPR consent --------------------------------------------------------------

export async function createEmailTemplate(db: Db, firmId: string, actor: Actor, input: { name: string; subject: string; body: string }) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      const t = await tx.emailTemplate.create({ data: { firmId, ...input } });
      await audit(tx, { firmId, actorId: actor.id, action: 'email_template.created', data: { emailTemplateId: t.id, name: t.name } });
      return t;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('name-taken', 'Name already in use', 'The firm already has an email template with this name.');
    throw err;
  }
}

export const listEmailTemplates = (db: Db, firmId: string) => db.emailTemplate.findMany({ where: { firmId }, orderBy: { name: 'asc' } });

export async function updateEmailTemplate(db: Db, firmId: string, actor: Actor, templateId: string, patch: { name?: string; subject?: string; body?: string }) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      await lockSetting(tx, 'emailTemplate', firmId, templateId, 'update');
      const before = await tx.emailTemplate.findFirst({ where: { id: templateId, firmId } });
      if (!before) throw notFound('Email template', templateId);
      const t = await tx.emailTemplate.update({ where: { id: templateId }, data: patch });
      await audit(tx, { firmId, actorId: actor.id, action: 'email_template.updated', data: { emailTemplateId: t.id, from: before.name, name: t.name, changed: changedKeys(patch) } });
      return t;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('name-taken', 'Name already in use', 'The firm already has an email template with this name.');
    throw err;
  }
}

/**
 * Refused while a GDPR status names the template as its email: that status could no longer email
 * contacts. GDPR emails already queued with the template are skipped by the send activity if it is gone.
 */
export async function deleteEmailTemplate(db: Db, firmId: string, actor: Actor, templateId: string) {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    await lockSetting(tx, 'emailTemplate', firmId, templateId, 'update');
    const t = await tx.emailTemplate.findFirst({ where: { id: templateId, firmId } });
    if (!t) throw notFound('Email template', templateId);
    const users = await tx.gdprStatusDefinition.findMany({ where: { firmId, emailTemplateId: templateId }, select: { name: true }, orderBy: { name: 'asc' } });
    if (users.length) {
      const names = users.map((s) => `"${s.name}"`).join(', ');
      throw conflict('email-template-in-use', 'Email template in use', `The GDPR status(es) ${names} email with this template; give them another template or none first.`);
    }
    await tx.emailTemplate.delete({ where: { id: templateId } });
    await audit(tx, { firmId, actorId: actor.id, action: 'email_template.deleted', data: { emailTemplateId: templateId, name: t.name } });
  });
}

export async function createGdprStatus(db: Db, firmId: string, actor: Actor, input: { name: string; emailTemplateId?: string }) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      if (input.emailTemplateId) await requireTemplateRef(tx, firmId, input.emailTemplateId, 'body.emailTemplateId');
      const s = await tx.gdprStatusDefinition.create({ data: { firmId, name: input.name, emailTemplateId: input.emailTemplateId ?? null } });
      await audit(tx, { firmId, actorId: actor.id, action: 'gdpr_status.created', data: { gdprStatusId: s.id, name: s.name } });
      return s;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('name-taken', 'Name already in use', 'The firm already has a GDPR status with this name.');
    throw err;
  }
}

export const listGdprStatuses = (db: Db, firmId: string) => db.gdprStatusDefinition.findMany({ where: { firmId }, orderBy: { name: 'asc' } });

/**
 * Renames a status or changes its template (null: no template). Contacts hold their status by name, so a
 * rename carries over to every contact holding the old name, in the same transaction; their timelines
 * keep the name as it was when it was set.
 */
export async function updateGdprStatus(db: Db, firmId: string, actor: Actor, statusId: string, patch: { name?: string; emailTemplateId?: string | null }) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      await lockSetting(tx, 'gdprStatus', firmId, statusId, 'update');
      const before = await tx.gdprStatusDefinition.findFirst({ where: { id: statusId, firmId } });
      if (!before) throw notFound('GDPR status', statusId);
      if (patch.emailTemplateId) await requireTemplateRef(tx, firmId, patch.emailTemplateId, 'body.emailTemplateId');
      const s = await tx.gdprStatusDefinition.update({ where: { id: statusId }, data: patch });
      const renamed = s.name !== before.name ? await tx.contact.updateMany({ where: { firmId, gdprStatus: before.name }, data: { gdprStatus: s.name } }) : { count: 0 };
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'gdpr_status.updated',
        data: { gdprStatusId: s.id, from: { name: before.name, emailTemplateId: before.emailTemplateId }, to: { name: s.name, emailTemplateId: s.emailTemplateId }, contactsRenamed: renamed.count },
      });
      return s;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('name-taken', 'Name already in use', 'The firm already has a GDPR status with this name.');
    throw err;
  }
}

/** Refused while contacts hold the status: their consent record would name a status the firm no longer has. */
export async function deleteGdprStatus(db: Db, firmId: string, actor: Actor, statusId: string) {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    await lockSetting(tx, 'gdprStatus', firmId, statusId, 'update');
    const s = await tx.gdprStatusDefinition.findFirst({ where: { id: statusId, firmId } });
    if (!s) throw notFound('GDPR status', statusId);
    const holders = await tx.contact.count({ where: { firmId, gdprStatus: s.name } });
    if (holders > 0) {
      throw conflict('gdpr-status-in-use', 'GDPR status in use', `${holders} contact(s) currently have the GDPR status "${s.name}"; set them to another status first.`);
    }
    await tx.gdprStatusDefinition.delete({ where: { id: statusId } });
    await audit(tx, { firmId, actorId: actor.id, action: 'gdpr_status.deleted', data: { gdprStatusId: statusId, name: s.name } });
  });
}

/** Sets a contact's GDPR consent status; with sendEmail, every email of the contact gets the template. */
export async function setGdprStatus(db: Db, firmId: string, actor: Actor, contactId: string, input: { statusId: string; sendEmail?: boolean; emailTemplateId?: string }) {
  return db.$transaction(async (tx) => {
    const contact = await requireContactAccess(tx, firmId, actor, contactId);
    await lockSetting(tx, 'gdprStatus', firmId, input.statusId, 'share'); // no rename or delete until the name is stored
    const status = await tx.gdprStatusDefinition.findFirst({ where: { id: input.statusId, firmId } });
    if (!status) throw invalid('body.statusId', 'no such GDPR status in this firm');
    const templateId = input.sendEmail ? (input.emailTemplateId ?? status.emailTemplateId) : null;
    if (input.sendEmail && !templateId) throw invalid('body.emailTemplateId', 'name an email template: this status has none');
    if (templateId) await requireTemplateRef(tx, firmId, templateId, 'body.emailTemplateId');
    const emails = templateId ? await tx.contactEmail.findMany({ where: { contactId, firmId }, select: { id: true } }) : [];
    if (templateId && emails.length === 0) throw invalid('body.sendEmail', 'the contact has no email address');
    const changeId = randomUUID();
    await tx.contact.update({ where: { id: contactId }, data: { gdprStatus: status.name, gdprUpdatedAt: new Date() } });
    await audit(tx, { firmId, actorId: actor.id, action: 'contact.gdpr_status_set', contactId, data: { changeId, from: contact.gdprStatus, to: status.name, emailTemplateId: templateId, emailed: emails.length } });
    const jobs: ClientActionEmail[] = templateId ? emails.map((e) => ({ kind: 'gdpr', firmId, changeId, templateId, contactEmailId: e.id })) : [];
    const batch: EmailBatch | null = jobs.length ? { workflowId: participantWorkflowId.gdpr(changeId), emails: jobs } : null;
    return { result: { contactId, gdprStatus: status.name, changeId, emailed: jobs.length }, batch };
  });
}

// --- firm-defined custom actions -------------------------------------------------------------------

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
    if (f.type === 'select' && !f.options?.length) throw invalid(`body.fields.${i}.options`, 'a select field needs options');
  });
  if (new Set(fields.map((f) => f.key)).size !== fields.length) throw invalid('body.fields', 'field keys must be distinct');
}

export async function createCustomAction(db: Db, firmId: string, actor: Actor, input: { name: string; fields: CustomActionField[] }) {
  requireFirmAdmin(actor);
  checkCustomActionFields(input.fields);
  try {
    return await db.$transaction(async (tx) => {
      const def = await tx.customActionDefinition.create({ data: { firmId, name: input.name, fields: input.fields as unknown as Prisma.InputJsonArray } });
      await audit(tx, { firmId, actorId: actor.id, action: 'custom_action.defined', data: { customActionId: def.id, name: def.name } });
      return def;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('name-taken', 'Name already in use', 'The firm already has a custom action with this name.');
    throw err;
  }
}

export const listCustomActions = (db: Db, firmId: string) => db.customActionDefinition.findMany({ where: { firmId }, orderBy: { name: 'asc' } });

/**
 * Renames a custom action or replaces its fields. Runs are audit entries that carry the action's name,
 * values and field labels as they were, so changing (or deleting) the definition leaves them readable.
 */
export async function updateCustomAction(db: Db, firmId: string, actor: Actor, definitionId: string, patch: { name?: string; fields?: CustomActionField[] }) {
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
      await audit(tx, { firmId, actorId: actor.id, action: 'custom_action.updated', data: { customActionId: def.id, from: before.name, name: def.name, changed: changedKeys(patch) } });
      return def;
    });
  } catch (err) {
    if (uniqueViolation(err)) throw conflict('name-taken', 'Name already in use', 'The firm already has a custom action with this name.');
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
    await audit(tx, { firmId, actorId: actor.id, action: 'custom_action.deleted', data: { customActionId: definitionId, name: def.name } });
  });
}

/** The zod schema of a definition's values: required fields present, types and options respected, nothing else. */
function valuesSchema(fields: CustomActionField[]) {
  const one = (f: CustomActionField): z.ZodType => {
    switch (f.type) {
      case 'number':
        return z.number({ message: 'must be a number' });
      case 'boolean':
        return z.boolean({ message: 'must be true or false' });
      case 'date':
        return z.iso.date({ message: 'must be a date (YYYY-MM-DD)' });
      case 'email':
        return z.email({ message: 'must be an email address' });
      case 'select':
        return z.enum((f.options ?? []) as [string, ...string[]], { message: `must be one of: ${(f.options ?? []).join(', ')}` });
      default:
        return z.string().trim().min(1, 'must not be empty').max(5000);
    }
  };
  return z.object(Object.fromEntries(fields.map((f) => [f.key, f.required ? one(f) : one(f).optional()]))).strict();
}

export async function runCustomAction(
  db: Db,
  firmId: string,
  actor: Actor,
  definitionId: string,
  input: { contactId?: string; accountId?: string; values: Record<string, unknown>; description?: string; participants?: string[] },
) {
  if (!input.contactId === !input.accountId) throw invalid('body', 'name exactly one of contactId and accountId');
  const def = await db.customActionDefinition.findFirst({ where: { id: definitionId, firmId } });
  if (!def) throw notFound('Custom action', definitionId);
  const fields = def.fields as unknown as CustomActionField[];
  const parsed = valuesSchema(fields).safeParse(input.values);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ field: ['body', 'values', ...i.path.map(String)].join('.'), message: i.message }));
    throw invalidFields(errors);
  }
  return db.$transaction(async (tx) => {
    if (input.contactId) await requireContactAccess(tx, firmId, actor, input.contactId);
    if (input.accountId) await requireAccountAccess(tx, firmId, actor, input.accountId);
    const about = { contactId: input.contactId, accountId: input.accountId };
    const { noteId, batch } = await discussion(tx, firmId, actor.id, input.participants, about, withDescription(`${def.name}`, input.description));
    const runId = randomUUID();
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'custom_action.run',
      ...about,
      data: {
        runId,
        customActionId: def.id,
        name: def.name,
        values: parsed.data as Prisma.InputJsonObject,
        // The labels as they are now: the definition may change or go, the run's record stays readable.
        labels: Object.fromEntries(fields.map((f) => [f.key, f.label])),
        description: input.description ?? null,
        noteId,
        participants: input.participants ?? [],
      },
    });
    return { result: { runId, customActionId: def.id, ...about, values: parsed.data, noteId }, batch };
  });
}
