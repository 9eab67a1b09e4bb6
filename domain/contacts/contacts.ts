// Contacts, their emails (toggles and notification preferences) and account–contact links.
// Every query is scoped by firm: another firm's ids are simply "not found".
import type { Db, Tx } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import { preferenceColumns, presentEmail, type Preferences } from './email-view';
import { forgetUnsubscribes } from '../email/unsubscribe';
import { audit } from '../audit/audit';
import { requireAccountAccess, requireWritableAccount, seesAllAccounts, type Actor } from '../access/access';
import { holdCustomFieldDefinitions, validateCustomFields } from '../settings/custom-fields';
import {
  chosenExpiryDays,
  createInvitation,
  lockContactAndEmail,
  noEffects,
  revokeOpenInvitations,
  type InvitationEffects,
  type InvitationWorkflows,
  type InviteOptions,
} from '../invitations/invitations';
import { conflict, DomainError, invalid, notFound } from '../errors';
import { lockContact, requireContact, requireContactAccess } from '../access/contact-access';

const emailTaken = () =>
  conflict(
    'email-taken',
    'Email address already in use',
    'Another contact of this firm already has this email address.',
  );

type NewEmail = {
  address: string;
  login?: 'off' | 'pending' | 'active';
  notify?: boolean;
  emailSync?: boolean;
  preferences?: Preferences;
  invitation?: InviteOptions;
};

/** Creates the email row; login "pending" goes through an invitation (which sets it), so the address gets its link. */
async function insertEmail(
  tx: Tx,
  daySeconds: number,
  firmId: string,
  actorId: string,
  contactId: string,
  e: NewEmail,
  effects: InvitationEffects,
) {
  const row = await tx.contactEmail.create({
    data: {
      firmId,
      contactId,
      address: e.address.toLowerCase(),
      login: e.login === 'active' ? 'active' : 'off',
      notify: e.notify ?? true,
      emailSync: e.emailSync ?? false,
      ...preferenceColumns(e.preferences),
    },
  });
  if (e.login !== 'pending') return row;
  await createInvitation(tx, daySeconds, firmId, actorId, row, e.invitation ?? {}, effects);
  return { ...row, login: 'pending' as const };
}

/**
 * Refuses to remove a contact who has still to sign a pending signature request (of the account, or of any):
 * deleted, the others' signatures would never complete the request; unlinked, it would stay a required
 * signer who gets no reminders and whose portal link is refused. Either way the request stays pending for good.
 */
export async function refusePendingSignature(
  tx: Tx,
  contactId: string,
  change: 'deleted' | 'unlinked' | 'moved',
  accountId?: string,
) {
  const open = await tx.signatureSigner.findFirst({
    where: { contactId, signedAt: null, request: { status: 'pending', ...(accountId ? { accountId } : {}) } },
    orderBy: { request: { createdAt: 'asc' } },
    select: { request: { select: { id: true, accountId: true } } },
  });
  if (open)
    throw conflict(
      'pending-signature',
      'The contact has a signature to give',
      `Contact ${contactId} has yet to sign the pending signature request ${open.request.id} of account ` +
        `${open.request.accountId}; it can be ${change} once it has signed or the request is cancelled.`,
    );
}

export async function createContact(
  db: Db,
  wf: InvitationWorkflows,
  firmId: string,
  actor: Actor,
  input: {
    firstName: string;
    lastName: string;
    /** The language of the contact's emails; absent: the firm's at creation (issue 12). */
    language?: string;
    phone?: string;
    /** IANA zone the send window is read in for this contact (issue 12). */
    timeZone?: string | null;
    emails: NewEmail[];
    accounts?: { accountId: string; description?: string; signerPriority?: number; signingAuthority?: boolean }[];
  },
) {
  const effects = noEffects();
  let created;
  try {
    created = await db.$transaction(async (tx) => {
      const accountIds = (input.accounts ?? []).map((link) => link.accountId.toLowerCase());
      for (const accountId of accountIds) await requireAccountAccess(tx, firmId, actor, accountId);
      // Locked in id order, as a move or an assignment locks them: two creations naming [A, B] and [B, A] at once
      // would otherwise each hold one and wait for the other (a deadlock, one of them answered 500).
      for (const accountId of [...accountIds].sort()) await requireWritableAccount(tx, firmId, accountId);
      const language =
        input.language ??
        (await tx.firm.findUniqueOrThrow({ where: { id: firmId }, select: { language: true } })).language;
      const contact = await tx.contact.create({
        data: {
          firmId,
          firstName: input.firstName,
          lastName: input.lastName,
          phone: input.phone,
          language,
          timeZone: input.timeZone ?? null,
        },
      });
      // Links first, so an invitation's audit entry lands on the account's timeline.
      for (const link of input.accounts ?? []) {
        await tx.accountContact.create({
          data: {
            accountId: link.accountId,
            contactId: contact.id,
            description: link.description ?? '',
            signerPriority: link.signerPriority ?? 0,
            signingAuthority: link.signingAuthority ?? false,
          },
        });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'contact.linked',
          accountId: link.accountId,
          contactId: contact.id,
          data: { contactId: contact.id },
        });
      }
      for (const e of input.emails) await insertEmail(tx, wf.daySeconds, firmId, actor.id, contact.id, e, effects);
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact.created',
        contactId: contact.id,
        data: { contactId: contact.id },
      });
      const emails = await tx.contactEmail.findMany({ where: { contactId: contact.id }, orderBy: { address: 'asc' } });
      await wf.record(tx, firmId, effects);
      return { ...contact, emails: emails.map(presentEmail) };
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict(
        'email-taken',
        'Email address already in use',
        'Another contact of this firm already has one of these email addresses.',
      );
    throw err;
  }
  await wf.apply(effects);
  return created;
}

/**
 * The account links a contact read shows the actor: all of them to whoever sees every account, otherwise
 * only the links to accounts whose team the actor is on (a shared contact must not reveal the others).
 */
const visibleLinks = (actor: Actor): Prisma.AccountContactWhereInput =>
  seesAllAccounts(actor) ? {} : { account: { team: { some: { firmUserId: actor.id } } } };

export async function getContact(db: Db, firmId: string, actor: Actor, contactId: string) {
  await db.$transaction((tx) => requireContactAccess(tx, firmId, actor, contactId, 'any'));
  const contact = await db.contact.findFirst({
    where: { id: contactId, firmId },
    include: { emails: { orderBy: { address: 'asc' } }, accounts: { where: visibleLinks(actor) } },
  });
  if (!contact) throw notFound('Contact', contactId);
  return { ...contact, emails: contact.emails.map(presentEmail) };
}

export interface ContactPatch {
  firstName?: string;
  lastName?: string;
  /** The language of the contact's emails; null: the firm's (issue 12). */
  language?: string | null;
  phone?: string | null;
  /** IANA zone of the contact; null: the firm's send-window zone (issue 12). */
  timeZone?: string | null;
  address?: Prisma.InputJsonObject | null;
  /** Merged into the current values; null clears a field. */
  customFields?: Record<string, unknown>;
}

export async function updateContact(db: Db, firmId: string, actor: Actor, contactId: string, patch: ContactPatch) {
  return db.$transaction(async (tx) => {
    if (patch.customFields !== undefined) await holdCustomFieldDefinitions(tx, firmId, 'contact');
    // Locked before it is read: two PATCHes of different custom fields would each merge into the same old values.
    await lockContact(tx, firmId, contactId);
    const { contact } = await requireContactAccess(tx, firmId, actor, contactId, 'any');
    const { customFields, address, ...rest } = patch;
    const data: Prisma.ContactUpdateInput = { ...rest };
    if (address !== undefined) data.address = address === null ? Prisma.DbNull : address;
    if (customFields !== undefined) {
      const stored = contact.customFields as Record<string, unknown>;
      data.customFields = await validateCustomFields(tx, firmId, 'contact', customFields, stored);
    }
    await tx.contact.update({ where: { id: contactId }, data });
    const links = await tx.accountContact.findMany({ where: { contactId }, select: { accountId: true } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'contact.updated',
      contactId,
      data: { fields: Object.keys(patch), accountIds: links.map((l) => l.accountId) },
    });
    const full = await tx.contact.findUniqueOrThrow({
      where: { id: contactId },
      include: { emails: { orderBy: { address: 'asc' } }, accounts: { where: visibleLinks(actor) } },
    });
    return { ...full, emails: full.emails.map(presentEmail) };
  });
}

/**
 * Deletes the contact for good with its emails, account links, portal to-dos and invitations (all by
 * cascade). Reminder sends re-read their recipients, so nothing more goes to its emails. Refused while it
 * has still to sign a pending signature request.
 */
/**
 * What was kept about a contact being deleted for good, beyond its rows that cascade: the notes about it alone (a
 * note about an account too stays on that account's timeline), its addresses' login events and queued digest
 * lines, and its addresses and subjects in the send log. The send log's rows stay, emptied: they are the send-once
 * keys, which an email being sent at this moment still needs (a row deleted under it would be sent again).
 */
async function forgetContact(
  tx: Tx,
  firmId: string,
  c: { contactId: string; emailIds: string[]; accountIds: string[] },
) {
  // The send log and login events are found through the contact's accounts (their index), or none.
  const ofItsAccounts = { firmId, OR: [{ accountId: { in: c.accountIds } }, { accountId: null }] };
  await tx.note.deleteMany({ where: { firmId, contactId: c.contactId, accountId: null } });
  await tx.loginEvent.deleteMany({ where: { ...ofItsAccounts, contactEmailId: { in: c.emailIds } } });
  await tx.digestEntry.deleteMany({ where: { contactEmailId: { in: c.emailIds } } });
  await tx.outboundEmail.updateMany({
    where: { ...ofItsAccounts, contactEmailId: { in: c.emailIds } },
    data: { toAddress: '', subject: '' },
  });
}

export async function deleteContact(db: Db, wf: InvitationWorkflows, firmId: string, actor: Actor, contactId: string) {
  const effects = noEffects();
  const summary = await db.$transaction(async (tx) => {
    // Locked first: a signature request naming the contact takes its row FOR SHARE (signatures.ts), so one waits
    // for the other: the request's signer is seen by the check below, or the request finds the contact gone.
    await lockContact(tx, firmId, contactId);
    const { links } = await requireContactAccess(tx, firmId, actor, contactId, 'all');
    await refusePendingSignature(tx, contactId, 'deleted');
    const emails = await tx.contactEmail.findMany({ where: { contactId }, select: { id: true } });
    for (const e of emails) await revokeOpenInvitations(tx, e.id, effects);
    const todos = await tx.portalTodo.deleteMany({ where: { contactEmailId: { in: emails.map((e) => e.id) } } });
    await tx.contact.delete({ where: { id: contactId } });
    await forgetContact(tx, firmId, {
      contactId,
      emailIds: emails.map((e) => e.id),
      accountIds: links.map((l) => l.accountId),
    });
    const data = {
      contactId,
      emailIds: emails.map((e) => e.id),
      accountIds: links.map((l) => l.accountId),
      portalTodosRemoved: todos.count,
    };
    // One entry per account so each account's trail shows it; the contact's timeline keeps them all.
    if (!links.length) await audit(tx, { firmId, actorId: actor.id, action: 'contact.deleted', contactId, data });
    for (const l of links)
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact.deleted',
        contactId,
        accountId: l.accountId,
        data,
      });
    await wf.record(tx, firmId, effects);
    return data;
  });
  await wf.apply(effects);
  return summary;
}

export async function addContactEmail(
  db: Db,
  wf: InvitationWorkflows,
  firmId: string,
  actor: Actor,
  contactId: string,
  e: NewEmail,
) {
  const effects = noEffects();
  let added;
  try {
    added = await db.$transaction(async (tx) => {
      await requireContactAccess(tx, firmId, actor, contactId, 'any');
      const row = await insertEmail(tx, wf.daySeconds, firmId, actor.id, contactId, e, effects);
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact_email.added',
        contactId,
        data: { contactEmailId: row.id },
      });
      await wf.record(tx, firmId, effects);
      return presentEmail(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  await wf.apply(effects);
  return added;
}

/** Removes one email (its to-dos and invitations go with it); a contact keeps at least one email. */
export async function removeContactEmail(
  db: Db,
  wf: InvitationWorkflows,
  firmId: string,
  actor: Actor,
  emailId: string,
) {
  const effects = noEffects();
  await db.$transaction(async (tx) => {
    const email = await tx.contactEmail.findFirst({ where: { id: emailId, firmId } });
    if (!email) throw notFound('Contact email', emailId);
    // Counted under the contact's lock: two removals at once would each see the other's email left. Read again
    // under it: a removal of the same email that committed while this one waited leaves nothing to remove.
    await lockContact(tx, firmId, email.contactId);
    if (!(await tx.contactEmail.findUnique({ where: { id: emailId }, select: { id: true } })))
      throw notFound('Contact email', emailId);
    await requireContactAccess(tx, firmId, actor, email.contactId, 'any');
    if ((await tx.contactEmail.count({ where: { contactId: email.contactId } })) === 1) {
      throw conflict(
        'last-email',
        'Cannot remove the last email',
        'A contact needs at least one email address; add another first or delete the contact.',
      );
    }
    await revokeOpenInvitations(tx, emailId, effects);
    const todos = await tx.portalTodo.deleteMany({ where: { contactEmailId: emailId } });
    await tx.contactEmail.delete({ where: { id: emailId } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'contact_email.removed',
      contactId: email.contactId,
      data: { contactEmailId: emailId, portalTodosRemoved: todos.count },
    });
    await wf.record(tx, firmId, effects);
  });
  await wf.apply(effects);
}

export async function linkContact(
  db: Db,
  firmId: string,
  actor: Actor,
  accountId: string,
  contactId: string,
  link: { description?: string; signerPriority?: number; signingAuthority?: boolean },
) {
  return db.$transaction(async (tx) => {
    await requireAccountAccess(tx, firmId, actor, accountId);
    await requireWritableAccount(tx, firmId, accountId);
    // The link opens the contact and its emails to whoever may open this account: it takes the right to change
    // the contact already (one of its accounts, or it has none), as the CSV import does.
    await requireContactAccess(tx, firmId, actor, contactId, 'any');
    const row = await tx.accountContact.upsert({
      where: { accountId_contactId: { accountId, contactId } },
      create: {
        accountId,
        contactId,
        description: link.description ?? '',
        signerPriority: link.signerPriority ?? 0,
        signingAuthority: link.signingAuthority ?? false,
      },
      update: link,
    });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'contact.linked',
      accountId,
      contactId,
      data: { contactId, ...link },
    });
    return row;
  });
}

/**
 * Unlinks a contact from an account; an account always keeps at least one contact (SPEC §6), and a signer
 * who has not signed a pending request of the account stays.
 */
export async function unlinkContact(db: Db, firmId: string, actor: Actor, accountId: string, contactId: string) {
  await db.$transaction(async (tx) => {
    await requireAccountAccess(tx, firmId, actor, accountId);
    // Locks the account: of two unlinks at once, the second counts after the first, so one contact stays.
    await requireWritableAccount(tx, firmId, accountId);
    await requireContact(tx, firmId, contactId);
    // The contact, then its link, as a move takes them: a deletion of the contact waits for this unlink (or
    // this unlink for it) instead of each holding what the other needs.
    await lockContact(tx, firmId, contactId);
    // The link locked before the pending-signature check: a signature request naming the contact holds it (KEY
    // SHARE) until it commits, so the check sees its signer, or the request finds the link gone.
    const link = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "AccountContact" WHERE "accountId" = ${accountId}::uuid AND "contactId" = ${contactId}::uuid
      FOR UPDATE`;
    if (!link.length)
      throw new DomainError(
        'not-found',
        'not-found',
        'Link not found',
        `Contact ${contactId} is not linked to account ${accountId}.`,
      );
    if ((await tx.accountContact.count({ where: { accountId } })) === 1) {
      throw conflict(
        'last-contact',
        'Cannot unlink the last contact',
        'An account must keep at least one contact: link another contact first, or delete the contact.',
      );
    }
    await refusePendingSignature(tx, contactId, 'unlinked', accountId);
    await tx.accountContact.delete({ where: { accountId_contactId: { accountId, contactId } } });
    // Its portal to-dos for this account go: it no longer sees the account's items.
    const todos = await tx.portalTodo.deleteMany({ where: { accountId, email: { contactId } } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'contact.unlinked',
      accountId,
      contactId,
      data: { contactId, portalTodosRemoved: todos.count },
    });
  });
}

export interface EmailPatch {
  address?: string;
  login?: 'off' | 'pending' | 'active';
  notify?: boolean;
  emailSync?: boolean;
  preferences?: Preferences;
  /** With login "pending": when to send the invitation and an optional personal message. */
  invitation?: InviteOptions;
}

/**
 * Switches an email's toggles. Login off → pending sends an invitation (now or at `invitation.sendAt`);
 * login off revokes any pending invitation and keeps everything else; a changed address kills a pending
 * invitation's link and invites the new address.
 */
export async function updateContactEmail(
  db: Db,
  wf: InvitationWorkflows,
  firmId: string,
  actor: Actor,
  emailId: string,
  patch: EmailPatch,
) {
  const effects = noEffects();
  try {
    const result = await db.$transaction(async (tx) => {
      // Locked before it is read: an accept committed meanwhile is seen (an active login is not invited again,
      // nor its address), and a deletion under way is waited for (then 404).
      await lockContactAndEmail(tx, firmId, emailId);
      const email = await tx.contactEmail.findFirst({ where: { id: emailId, firmId } });
      if (!email) throw notFound('Contact email', emailId);
      await requireContactAccess(tx, firmId, actor, email.contactId, 'any');
      const { preferences, invitation, address, login, ...toggles } = patch;
      if (invitation && login !== 'pending') throw invalid('body.invitation', 'only with login "pending"');
      if (login === 'pending' && email.login === 'active') {
        throw conflict(
          'login-already-active',
          'Login already active',
          'This email already has portal access; turn login off first to invite it again.',
        );
      }
      const newAddress = address?.toLowerCase();
      const addressChanged = newAddress !== undefined && newAddress !== email.address;
      const pendingInvitation = addressChanged
        ? await tx.invitation.findFirst({
            where: { contactEmailId: emailId, status: { in: ['scheduled', 'sent'] } },
            orderBy: { createdAt: 'desc' },
          })
        : null;
      await tx.contactEmail.update({
        where: { id: emailId },
        data: {
          ...toggles,
          ...(login && login !== 'pending' ? { login } : {}),
          // A new address has not bounced: clear a bounce recorded for the old one.
          ...(addressChanged ? { address: newAddress, bouncedAt: null, bounceReason: null } : {}),
          ...preferenceColumns(preferences),
        },
      });
      await forgetUnsubscribes(tx, firmId, emailId, { notify: toggles.notify, preferences });
      const current = { id: emailId, contactId: email.contactId, address: newAddress ?? email.address };
      let invitationId: string | undefined;
      if (login === 'off' || login === 'active') {
        // Off: access removed. Active (set by the firm): any invitation is moot.
        await revokeOpenInvitations(tx, emailId, effects);
      } else if (login === 'pending' && (email.login === 'off' || invitation)) {
        invitationId = (await createInvitation(tx, wf.daySeconds, firmId, actor.id, current, invitation ?? {}, effects))
          .id;
      } else if (pendingInvitation) {
        // The old link must stop working; the new address gets its own invitation: the same message, the same
        // validity, and a scheduled one still at its time.
        const { sendAt, message, status } = pendingInvitation;
        const replacement: InviteOptions = {
          message: message ?? undefined,
          expiresInDays: await chosenExpiryDays(tx, wf.daySeconds, pendingInvitation, email.contactId),
          ...(status === 'scheduled' ? { sendAt } : {}),
        };
        invitationId = (await createInvitation(tx, wf.daySeconds, firmId, actor.id, current, replacement, effects)).id;
      }
      const changes: Record<string, unknown> = {
        ...toggles,
        ...(login ? { login } : {}),
        ...(preferences ? { preferences } : {}),
        ...(addressChanged ? { addressChanged: true } : {}),
      };
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'contact_email.updated',
        contactId: email.contactId,
        data: {
          contactEmailId: emailId,
          contactId: email.contactId,
          changes: changes as Prisma.InputJsonObject,
          ...(invitationId ? { invitationId } : {}),
          revokedInvitations: effects.revoke,
        },
      });
      const updated = await tx.contactEmail.findUniqueOrThrow({ where: { id: emailId } });
      await wf.record(tx, firmId, effects);
      return { ...presentEmail(updated), ...(invitationId ? { invitationId } : {}) };
    });
    await wf.apply(effects);
    return result;
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
}
