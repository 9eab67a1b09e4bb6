// Client actions of SPEC §7 on contacts and accounts: activate/deactivate, status change, assignment to a
// firm user, move to another company, setting a GDPR consent status and running a custom action (their
// definitions are firm settings, in domain/settings/). Each writes an
// audit entry per contact or account (their timeline) in the transaction of the change; an action with
// participants opens a note, so participants are emailed about it and about later comments on it.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { requireAccountAccess, requireWritableAccount, type Actor } from '../access/access';
import { audit } from '../audit/audit';
import { requireContactAccess } from './timeline';
import { lockContact } from '../access/contact-access';
import { refusePendingSignature } from '../contacts/contacts';
import { insertNote, requireFirmUsers } from './notes';
import { lowerIds } from '../accounts/team';
import { queueEmails, type EmailBatch } from './participant-emails';
import { participantWorkflowId, type ClientActionEmail } from '../../shared/contracts/participant-notification';
import { conflict, invalid, invalidFields, notFound } from '../errors';
import { lockSetting, requireTemplateRef } from '../settings/admin';
import type { CustomActionField } from '../settings/custom-actions';
import { allCategoryExclusions } from '../email/unsubscribe';

/** Opens a discussion note for an action when participants are named; otherwise nothing to email. */
async function discussion(
  tx: Tx,
  firmId: string,
  actorId: string,
  participants: string[] | undefined,
  about: { contactId?: string; accountId?: string },
  body: string,
) {
  if (!participants?.length) return { noteId: null, batch: null };
  const { note, batch } = await insertNote(tx, firmId, actorId, { ...about, body, participants });
  return { noteId: note.id, batch };
}

const withDescription = (line: string, description?: string) => (description ? `${line}\n\n${description}` : line);

/**
 * The contacts (ids in lower case), each locked in id order and then read under its lock with the actor's
 * right checked: two actions naming the same contacts in other orders wait for each other instead of
 * deadlocking, a contact deleted meanwhile is not found, and each entry's `from` is what the last change wrote.
 */
async function lockContacts(tx: Tx, firmId: string, actor: Actor, ids: string[]) {
  for (const id of [...ids].sort()) await lockContact(tx, firmId, id);
  const contacts = [];
  for (const id of ids) contacts.push(await requireContactAccess(tx, firmId, actor, id));
  return contacts;
}

// --- activate / deactivate -------------------------------------------------------------------------

export async function setContactsActive(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { contactIds: string[]; active: boolean },
) {
  return db.$transaction(async (tx) => {
    const contacts = [];
    for (const contact of await lockContacts(tx, firmId, actor, lowerIds(input.contactIds))) {
      await tx.contact.update({ where: { id: contact.id }, data: { active: input.active } });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: input.active ? 'contact.activated' : 'contact.deactivated',
        contactId: contact.id,
        data: { wasActive: contact.active },
      });
      contacts.push({ id: contact.id, active: input.active });
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
  const ids = lowerIds(input.contactIds);
  return db.$transaction(async (tx) => {
    const before = await lockContacts(tx, firmId, actor, ids);
    // One discussion for the whole action, on the first contact; every contact's entry points to it.
    const { noteId, batch } = await discussion(
      tx,
      firmId,
      actor.id,
      input.participants,
      { contactId: ids[0] },
      withDescription(`Status changed to “${input.status}” for ${ids.length} contact(s).`, input.description),
    );
    for (const contact of before) {
      await tx.contact.update({ where: { id: contact.id }, data: { status: input.status } });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact.status_changed',
        contactId: contact.id,
        data: {
          from: contact.status,
          to: input.status,
          description: input.description ?? null,
          noteId,
          participants: lowerIds(input.participants ?? []),
        },
      });
    }
    return {
      result: { contacts: before.map((c) => ({ id: c.id, status: input.status })), noteId },
      batch: await queueEmails(tx, firmId, batch),
    };
  });
}

// --- assignment to a firm user ---------------------------------------------------------------------

export async function assignToUser(
  db: Db,
  firmId: string,
  actor: Actor,
  input: {
    userId: string;
    accountIds?: string[];
    contactIds?: string[];
    description?: string;
    participants?: string[];
  },
) {
  const accountIds = lowerIds(input.accountIds ?? []);
  const contactIds = lowerIds(input.contactIds ?? []);
  const userId = input.userId.toLowerCase();
  return db.$transaction(async (tx) => {
    await requireFirmUsers(tx, firmId, [userId], 'body.userId');
    const accounts = [];
    // Locked in id order (no deadlock between two assignments); an archived account is read-only.
    for (const id of [...accountIds].sort()) {
      await requireAccountAccess(tx, firmId, actor, id);
      accounts.push(await requireWritableAccount(tx, firmId, id));
    }
    // Then the contacts, as a link or an unlink takes an account before its contact.
    const contacts = await lockContacts(tx, firmId, actor, contactIds);
    const about = contactIds.length ? { contactId: contactIds[0] } : { accountId: accountIds[0] };
    const { noteId, batch } = await discussion(
      tx,
      firmId,
      actor.id,
      input.participants,
      about,
      withDescription(`Assigned ${accounts.length} account(s) and ${contacts.length} contact(s).`, input.description),
    );
    const data = (from: string | null) => ({
      from,
      to: userId,
      description: input.description ?? null,
      noteId,
      participants: lowerIds(input.participants ?? []),
    });
    for (const a of accounts) {
      await tx.account.update({ where: { id: a.id }, data: { assignedUserId: userId } });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'account.assigned',
        accountId: a.id,
        data: data(a.assignedUserId),
      });
    }
    for (const c of contacts) {
      await tx.contact.update({ where: { id: c.id }, data: { assignedUserId: userId } });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact.assigned',
        contactId: c.id,
        data: data(c.assignedUserId),
      });
    }
    return {
      result: { userId, accountIds, contactIds, noteId },
      batch: await queueEmails(tx, firmId, batch),
    };
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
  const fromAccountId = input.fromAccountId?.toLowerCase(); // compared with the links' ids, stored in lower case
  return db.$transaction(async (tx) => {
    await requireContactAccess(tx, firmId, actor, contactId);
    const target = await requireAccountAccess(tx, firmId, actor, input.toAccountId);
    if (target.type !== 'company') throw invalid('body.toAccountId', 'must be a company account');
    const leaving = async () => {
      const links = await tx.accountContact.findMany({
        where: { contactId },
        include: { account: { select: { type: true } } },
      });
      if (links.some((l) => l.accountId === target.id))
        throw conflict(
          'already-linked',
          'Contact already linked to this company',
          'The contact is already linked to the target account.',
        );
      if (fromAccountId) {
        const named = links.find((l) => l.accountId === fromAccountId);
        if (!named) throw invalid('body.fromAccountId', 'the contact is not linked to this account');
        return named;
      }
      const companies = links.filter((l) => l.account.type === 'company');
      if (companies.length > 1)
        throw invalid('body.fromAccountId', 'the contact belongs to several companies: name the one it leaves');
      return companies[0];
    };
    const from = await leaving();
    if (from) await requireAccountAccess(tx, firmId, actor, from.accountId);
    // Both accounts change: locked in id order, then the contact (the order a link, an unlink and the bulk steps
    // take them), and neither may be archived (read-only).
    for (const id of [target.id, ...(from ? [from.accountId] : [])].sort())
      await requireWritableAccount(tx, firmId, id);
    // Read again under the locks: a contact deleted meanwhile is not found, and a move of the same contact
    // committed meanwhile answers 409 here, not a 500.
    const [contact] = await lockContacts(tx, firmId, actor, [contactId]);
    if ((await leaving())?.accountId !== from?.accountId)
      throw conflict('contact-changed', 'The contact’s links changed meanwhile', 'Read the contact and try again.');
    // As an unlink: a signer still to sign a pending request of the account it leaves stays (409).
    if (from) await refusePendingSignature(tx, contactId, 'moved', from.accountId);
    let portalTodosRemoved = 0;
    if (from) {
      await tx.accountContact.delete({ where: { accountId_contactId: { accountId: from.accountId, contactId } } });
      // As an unlink: its portal to-dos for the account it leaves go, it no longer sees that account's items.
      portalTodosRemoved = (
        await tx.portalTodo.deleteMany({ where: { accountId: from.accountId, email: { contactId } } })
      ).count;
    }
    // The link's description and signing fields move with the contact.
    const link = await tx.accountContact.create({
      data: {
        accountId: target.id,
        contactId,
        description: from?.description ?? '',
        signerPriority: from?.signerPriority ?? 0,
        signingAuthority: from?.signingAuthority ?? false,
      },
    });
    const { noteId, batch } = await discussion(
      tx,
      firmId,
      actor.id,
      input.participants,
      // About the company it goes to as well, which the note names: only who may open that one takes part.
      { contactId, accountId: target.id },
      withDescription(`${contact.firstName} ${contact.lastName} moved to ${target.name}.`, input.description),
    );
    const data = {
      fromAccountId: from?.accountId ?? null,
      toAccountId: target.id,
      portalTodosRemoved,
      description: input.description ?? null,
      noteId,
      participants: lowerIds(input.participants ?? []),
    };
    if (from)
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact.moved_out',
        contactId,
        accountId: from.accountId,
        data,
      });
    await audit(tx, { firmId, actorId: actor.id, action: 'contact.moved_in', contactId, accountId: target.id, data });
    return {
      result: { contactId, fromAccountId: from?.accountId ?? null, link, noteId },
      batch: await queueEmails(tx, firmId, batch),
    };
  });
}

// --- GDPR consent status ---------------------------------------------------------------------------

/**
 * Sets a contact's GDPR consent status; with sendEmail, the contact's emails get the template, except an
 * address that bounces or whose notifications are off (GDPR emails are category `all`): those are listed,
 * with their reason, in the timeline entry as `excluded`, like a reminder's.
 */
export async function setGdprStatus(
  db: Db,
  firmId: string,
  actor: Actor,
  contactId: string,
  input: { statusId: string; sendEmail?: boolean; emailTemplateId?: string },
) {
  return db.$transaction(async (tx) => {
    // No rename or delete until the name is stored. The status before the contact: the order a rename takes
    // (the status, then the contacts holding its name), so the two wait for each other instead of deadlocking.
    await lockSetting(tx, 'gdprStatus', firmId, input.statusId, 'share');
    const [contact] = await lockContacts(tx, firmId, actor, [contactId]);
    const status = await tx.gdprStatusDefinition.findFirst({ where: { id: input.statusId, firmId } });
    if (!status) throw invalid('body.statusId', 'no such GDPR status in this firm');
    const templateId = input.sendEmail ? (input.emailTemplateId ?? status.emailTemplateId) : null;
    if (input.sendEmail && !templateId)
      throw invalid('body.emailTemplateId', 'name an email template: this status has none');
    if (templateId) await requireTemplateRef(tx, firmId, templateId, 'body.emailTemplateId');
    const emails = templateId
      ? await tx.contactEmail.findMany({ where: { contactId, firmId }, orderBy: { address: 'asc' } })
      : [];
    if (templateId && emails.length === 0) throw invalid('body.sendEmail', 'the contact has no email address');
    const exclusions = await allCategoryExclusions(tx, emails);
    const recipients = emails.filter((e) => !exclusions.has(e.id));
    const excluded = [...exclusions].map(([contactEmailId, reason]) => ({ contactEmailId, contactId, reason }));
    const changeId = randomUUID();
    await tx.contact.update({ where: { id: contactId }, data: { gdprStatus: status.name, gdprUpdatedAt: new Date() } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'contact.gdpr_status_set',
      contactId,
      data: {
        changeId,
        from: contact.gdprStatus,
        to: status.name,
        emailTemplateId: templateId,
        emailed: recipients.length,
        excluded,
      },
    });
    const jobs: ClientActionEmail[] = templateId
      ? recipients.map((e) => ({ kind: 'gdpr', firmId, changeId, templateId, contactEmailId: e.id }))
      : [];
    const batch: EmailBatch | null = jobs.length
      ? { workflowId: participantWorkflowId.gdpr(changeId), emails: jobs }
      : null;
    return {
      result: { contactId, gdprStatus: status.name, changeId, emailed: jobs.length, excluded },
      batch: await queueEmails(tx, firmId, batch),
    };
  });
}

// --- running a custom action ------------------------------------------------------------------------

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
        return z.enum((f.options ?? []) as [string, ...string[]], {
          message: `must be one of: ${(f.options ?? []).join(', ')}`,
        });
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
  input: {
    contactId?: string;
    accountId?: string;
    values: Record<string, unknown>;
    description?: string;
    participants?: string[];
  },
) {
  if (!input.contactId === !input.accountId) throw invalid('body', 'name exactly one of contactId and accountId');
  const def = await db.customActionDefinition.findFirst({ where: { id: definitionId, firmId } });
  if (!def) throw notFound('Custom action', definitionId);
  const fields = def.fields as unknown as CustomActionField[];
  // Own keys only: read from a plain object, an optional field keyed `toString` would find Object's method.
  const parsed = valuesSchema(fields).safeParse(Object.assign(Object.create(null), input.values));
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: ['body', 'values', ...i.path.map(String)].join('.'),
      message: i.message,
    }));
    throw invalidFields(errors);
  }
  return db.$transaction(async (tx) => {
    if (input.contactId) await requireContactAccess(tx, firmId, actor, input.contactId);
    if (input.accountId) await requireAccountAccess(tx, firmId, actor, input.accountId);
    const about = { contactId: input.contactId, accountId: input.accountId };
    const { noteId, batch } = await discussion(
      tx,
      firmId,
      actor.id,
      input.participants,
      about,
      withDescription(`${def.name}`, input.description),
    );
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
        participants: lowerIds(input.participants ?? []),
      },
    });
    return {
      result: { runId, customActionId: def.id, ...about, values: parsed.data, noteId },
      batch: await queueEmails(tx, firmId, batch),
    };
  });
}
