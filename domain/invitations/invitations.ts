// Portal invitations (SPEC §5): invite an email now or later, resend, accept with a single-use token,
// revoke. The database holds the invitation and only the SHA-256 hash of its token; one Temporal workflow
// per invitation (`invitation-<id>`) sleeps until the send time, emails the link and waits for the outcome.
import type { Db, Tx } from '../../prisma/client';
import {
  INVITATION_EXPIRY_DAYS,
  INVITATION_LIMITS,
  invitationAcceptedSignal,
  invitationResendSignal,
  invitationRevokedSignal,
  invitationStart,
  invitationWorkflowContract,
  invitationWorkflowId,
  type InvitationInput,
} from '../../shared/contracts/invitation';
import type { TemporalGateway } from '../temporal/gateway';
import { insertOutboxRows } from '../outbox/outbox';
import type { OutboxCommand } from '../outbox/commands';
import type { Outbox } from '../outbox/outbox';
import { hashInvitationToken, newInvitationToken } from './token';
import { audit } from '../audit/audit';
import { conflict, DomainError, type ErrorKind } from '../errors';
import type { Actor } from '../access/access';
import { lockContact, requireContactEmailAccess } from '../access/contact-access';
import { allCategoryExclusions, unsubscribedAt, type AllCategoryExclusion } from '../email/unsubscribe';

export interface InvitationWorkflowsDeps {
  gateway: TemporalGateway;
  /** REMINDER_DAY_SECONDS: invitation expiry is counted in the same "days" as reminders. */
  daySeconds: number;
  /** Where changes made through the API queue their calls (`record`); absent: bulk effects apply directly. */
  outbox?: Outbox;
}

/** What a transaction decided for the invitation workflows; applied once it has committed. */
export interface InvitationEffects {
  start: InvitationInput[];
  /** Workflows to stop (the rows are already revoked). */
  revoke: string[];
  accountIdOf?: Record<string, string | undefined>;
  /** Links to send again, by invitation and resend number. */
  resend?: { invitationId: string; seq: number }[];
  accepted?: string[];
}

export const noEffects = (): InvitationEffects => ({ start: [], revoke: [], accountIdOf: {} });

export function createInvitationWorkflows({ gateway, daySeconds, outbox }: InvitationWorkflowsDeps) {
  /** Effects recorded in the outbox by their transaction, to deliver after commit. */
  const recorded = new WeakMap<InvitationEffects, { ids: bigint[]; workflowIds: string[] }>();

  function commands(effects: InvitationEffects, o: Outbox): OutboxCommand[] {
    const c = o.commands;
    return [
      ...effects.revoke.map((id) => c.signal(invitationWorkflowId(id), invitationRevokedSignal)),
      ...effects.start.map((input) =>
        c.start(invitationWorkflowContract, invitationStart(input, effects.accountIdOf?.[input.invitationId])),
      ),
      ...(effects.resend ?? []).map((r) =>
        c.signal(invitationWorkflowId(r.invitationId), invitationResendSignal, { seq: r.seq }),
      ),
      ...(effects.accepted ?? []).map((id) => c.signal(invitationWorkflowId(id), invitationAcceptedSignal)),
    ];
  }

  return {
    daySeconds,
    /** Writes the effects' calls in the outbox, in the transaction that decided them (call it last in it). */
    async record(tx: Tx, firmId: string, effects: InvitationEffects): Promise<void> {
      if (!outbox) return;
      const rows = commands(effects, outbox).map((command) => ({ firmId, command }));
      recorded.set(effects, await insertOutboxRows(tx, rows));
    },
    /** After commit: delivers what `record` wrote, or (bulk effects, stored with their step) calls Temporal. */
    async apply(effects: InvitationEffects): Promise<void> {
      const queued = recorded.get(effects);
      if (queued && outbox) return outbox.deliverSoon(queued.ids, queued.workflowIds);
      // A workflow already over (accepted, expired) has nothing left to stop.
      for (const id of effects.revoke) await gateway.signal(invitationWorkflowId(id), invitationRevokedSignal);
      // One invitation has one workflow: finding it started (a repeated step after a crash) is success.
      for (const input of effects.start) {
        const start = invitationStart(input, effects.accountIdOf?.[input.invitationId]);
        await gateway.start(invitationWorkflowContract, start);
      }
      for (const r of effects.resend ?? []) {
        await gateway.signal(invitationWorkflowId(r.invitationId), invitationResendSignal, { seq: r.seq });
      }
      for (const id of effects.accepted ?? []) await gateway.signal(invitationWorkflowId(id), invitationAcceptedSignal);
    },
  };
}

export type InvitationWorkflows = ReturnType<typeof createInvitationWorkflows>;

export interface InviteOptions {
  sendAt?: Date;
  message?: string;
  expiresInDays?: number;
}

const OPEN = ['scheduled', 'sent'] as const;

/** Revokes the email's open invitations (their links die at once: accept checks the status). */
export async function revokeOpenInvitations(tx: Tx, emailId: string, effects: InvitationEffects): Promise<string[]> {
  const open = await tx.invitation.findMany({
    where: { contactEmailId: emailId, status: { in: [...OPEN] } },
    select: { id: true },
  });
  if (!open.length) return [];
  const ids = open.map((i) => i.id);
  await tx.invitation.updateMany({ where: { id: { in: ids } }, data: { status: 'revoked' } });
  effects.revoke.push(...ids);
  return ids;
}

/**
 * Locks the email's row for the rest of the transaction. Two invitations at once would otherwise each revoke
 * the open ones before either wrote its own, and leave both open with two live links.
 */
async function lockContactEmail(tx: Tx, firmId: string, emailId: string) {
  await tx.$executeRaw`
    SELECT 1 FROM "ContactEmail" WHERE id = ${emailId}::uuid AND "firmId" = ${firmId}::uuid FOR NO KEY UPDATE`;
}

/**
 * Locks the email's contact, then the email, before anything of either is read: the order of a deletion
 * (contact, the invitations it revokes, the email by cascade) and of an accept (lockInvitee). A change of the
 * email's invitations then waits for a deletion under way and finds the email gone (404), rather than holding
 * the email while the deletion holds its invitations (a deadlock, a 500). Callers read the email afterwards.
 */
export async function lockContactAndEmail(tx: Tx, firmId: string, emailId: string) {
  const email = await tx.contactEmail.findFirst({ where: { id: emailId, firmId }, select: { contactId: true } });
  if (!email) return;
  await lockContact(tx, firmId, email.contactId);
  await lockContactEmail(tx, firmId, emailId);
}

/**
 * The validity the firm chose for an invitation, in days, as its creation's entry says (the row's expiry
 * moves with every send and resend). Without the entry, the row's span, kept within the API's limits.
 */
export async function chosenExpiryDays(
  tx: Tx,
  daySeconds: number,
  inv: { id: string; firmId: string; sendAt: Date; expiresAt: Date },
  contactId: string,
): Promise<number> {
  const created = await tx.auditEvent.findFirst({
    where: {
      firmId: inv.firmId,
      contactId,
      action: 'invitation.created',
      data: { path: ['invitationId'], equals: inv.id },
    },
    select: { data: true },
  });
  const recorded = (created?.data as { expiresInDays?: unknown } | undefined)?.expiresInDays;
  const days =
    typeof recorded === 'number'
      ? recorded
      : Math.round((inv.expiresAt.getTime() - inv.sendAt.getTime()) / (daySeconds * 1000));
  return Math.min(INVITATION_LIMITS.maxExpiryDays, Math.max(INVITATION_LIMITS.minExpiryDays, days));
}

/**
 * Creates an invitation for the email (replacing any open one) and sets its login to "pending". The row's
 * hash is of a throw-away secret: the real token is made when the workflow sends the email.
 */
export async function createInvitation(
  tx: Tx,
  daySeconds: number,
  firmId: string,
  actorId: string | null,
  email: { id: string; contactId: string; address: string },
  opts: InviteOptions,
  effects: InvitationEffects,
) {
  await lockContactEmail(tx, firmId, email.id);
  const replaced = await revokeOpenInvitations(tx, email.id, effects);
  const sendAt = opts.sendAt && opts.sendAt.getTime() > Date.now() ? opts.sendAt : new Date();
  const expiryDays = opts.expiresInDays ?? INVITATION_EXPIRY_DAYS;
  const inv = await tx.invitation.create({
    data: {
      firmId,
      contactEmailId: email.id,
      address: email.address,
      tokenHash: hashInvitationToken(newInvitationToken()), // a placeholder nobody holds
      message: opts.message ?? null,
      sendAt,
      expiresAt: new Date(sendAt.getTime() + expiryDays * daySeconds * 1000),
    },
  });
  await tx.contactEmail.update({ where: { id: email.id }, data: { login: 'pending' } });
  const link = await tx.accountContact.findFirst({
    where: { contactId: email.contactId },
    orderBy: { createdAt: 'asc' },
    select: { accountId: true },
  });
  await audit(tx, {
    firmId,
    actorId,
    action: 'invitation.created',
    contactId: email.contactId,
    accountId: link?.accountId,
    data: {
      invitationId: inv.id,
      contactEmailId: email.id,
      sendAt: sendAt.toISOString(),
      expiresInDays: expiryDays,
      replaced,
      hasMessage: !!opts.message,
    },
  });
  effects.start.push({ invitationId: inv.id, firmId, sendAt: sendAt.getTime(), expiryDays, daySeconds });
  effects.accountIdOf![inv.id] = link?.accountId;
  return inv;
}

export function presentInvitation(i: {
  id: string;
  contactEmailId: string;
  status: string;
  sendAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  createdAt: Date;
  message: string | null;
}) {
  return {
    id: i.id,
    contactEmailId: i.contactEmailId,
    status: i.status,
    message: i.message,
    sendAt: i.sendAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
    acceptedAt: i.acceptedAt?.toISOString() ?? null,
    createdAt: i.createdAt.toISOString(),
  };
}

/** POST /v1/contact-emails/:id/invitation: (re)invite, now or at `sendAt`. */
export async function inviteEmail(
  db: Db,
  wf: InvitationWorkflows,
  firmId: string,
  actor: Actor,
  emailId: string,
  opts: InviteOptions,
) {
  const effects = noEffects();
  const inv = await db.$transaction(async (tx) => {
    // Locked before it is read, so the login checked below is still the login when the invitation is written.
    await lockContactAndEmail(tx, firmId, emailId);
    const email = await requireContactEmailAccess(tx, firmId, actor, emailId);
    if (email.login === 'active')
      throw conflict(
        'login-already-active',
        'Login already active',
        'This email already has portal access; turn login off first to invite it again.',
      );
    const created = await createInvitation(tx, wf.daySeconds, firmId, actor.id, email, opts, effects);
    await wf.record(tx, firmId, effects);
    return created;
  });
  await wf.apply(effects);
  return presentInvitation(inv);
}

/**
 * An invitation is an email of category `all`: an address that bounces, or whose client unsubscribed from all
 * emails (one-click), gets no further one, so a staff resend is refused.
 */
async function notReceiving(
  tx: Tx,
  email: { id: string; bouncedAt: Date | null },
  reason: AllCategoryExclusion,
): Promise<DomainError> {
  const refuse = (detail: string) =>
    conflict('recipient-not-receiving', 'The address receives no invitations', `${detail} Nothing was sent.`);
  if (reason === 'bounced')
    return refuse(
      `The mail server refused an email to this address for good on ${email.bouncedAt?.toISOString()}; ` +
        'correct the address to invite it again.',
    );
  const at = await unsubscribedAt(tx, email.id, 'all');
  return refuse(
    `The client unsubscribed this address from all emails on ${at?.toISOString()} (one-click link); ` +
      'turning its notifications back on, if the client agrees, lets invitations go again.',
  );
}

/** How many resends of the invitation staff asked for: the newest one's number (they count from 1). */
export function resendsRequested(tx: Tx, at: { firmId: string; contactId: string; invitationId: string }) {
  return tx.auditEvent.count({
    where: {
      firmId: at.firmId,
      action: 'invitation.resend_requested',
      contactId: at.contactId,
      data: { path: ['invitationId'], equals: at.invitationId },
    },
  });
}

/** Sends the current link again (a fresh link: the previous one stops working). */
export async function resendInvitation(db: Db, wf: InvitationWorkflows, firmId: string, actor: Actor, emailId: string) {
  const effects = noEffects();
  const { inv, seq } = await db.$transaction(async (tx) => {
    // Locked first: two resends at once count their number one after the other, and a re-invite under way
    // is waited for, so the newest invitation is the one resent.
    await lockContactAndEmail(tx, firmId, emailId);
    const email = await requireContactEmailAccess(tx, firmId, actor, emailId);
    const inv = await tx.invitation.findFirst({
      where: { contactEmailId: email.id, status: { in: [...OPEN] } },
      orderBy: { createdAt: 'desc' },
    });
    if (!inv)
      throw conflict(
        'no-open-invitation',
        'No invitation to resend',
        'This email has no pending invitation; send a new one instead.',
      );
    if (inv.status === 'scheduled')
      throw conflict(
        'invitation-not-sent-yet',
        'Invitation not sent yet',
        `The invitation is scheduled for ${inv.sendAt.toISOString()}; it can be resent once it has gone out.`,
      );
    // Its link ran out, and its workflow is ending it (a resend signalled now would never be sent).
    if (inv.expiresAt && inv.expiresAt.getTime() <= Date.now())
      throw conflict(
        'invitation-expired',
        'Invitation expired',
        `The invitation's link ran out on ${inv.expiresAt.toISOString()}; send a new invitation instead.`,
      );
    const excluded = (await allCategoryExclusions(tx, [email])).get(email.id);
    if (excluded) throw await notReceiving(tx, email, excluded);
    const seq = (await resendsRequested(tx, { firmId, contactId: email.contactId, invitationId: inv.id })) + 1;
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'invitation.resend_requested',
      contactId: email.contactId,
      data: { invitationId: inv.id, contactEmailId: email.id, seq },
    });
    effects.resend = [{ invitationId: inv.id, seq }];
    await wf.record(tx, firmId, effects);
    return { inv, seq };
  });
  await wf.apply(effects);
  return { ...presentInvitation(inv), resendSeq: seq };
}

export async function listInvitations(db: Db, firmId: string, actor: Actor, emailId: string) {
  await requireContactEmailAccess(db, firmId, actor, emailId);
  const rows = await db.invitation.findMany({
    where: { contactEmailId: emailId, firmId },
    orderBy: { createdAt: 'desc' },
  });
  return { items: rows.map(presentInvitation) };
}

const invalidLink = (slug: string, title: string, detail: string, kind: ErrorKind = 'gone') =>
  new DomainError(kind, slug, title, detail);

/** The public accept call of the portal: the token is the only credential, good once and until it expires. */
export async function acceptInvitation(db: Db, wf: InvitationWorkflows, token: string) {
  return acceptInvitationByHash(db, wf, hashInvitationToken(token));
}

/**
 * Locks the contact, then the email, the invitation's token names, before the invitation is read: the order
 * of the changes that revoke it (a deletion takes the contact before revoking, a login or address change the
 * email), so an accept waits for them and then reads the outcome rather than holding the invitation's row
 * while they wait for it (a deadlock, a 500 for the client).
 */
async function lockInvitee(tx: Tx, tokenHash: string) {
  const target = await tx.invitation.findUnique({
    where: { tokenHash },
    select: { firmId: true, contactEmailId: true, email: { select: { contactId: true } } },
  });
  if (!target) return;
  await lockContact(tx, target.firmId, target.email.contactId);
  await lockContactEmail(tx, target.firmId, target.contactEmailId);
}

/** The accept itself, by the stored hash: the client pages' activation link (domain/portal) proves the
 * address with its own signature and names the email's open invitation rather than holding its token. */
export async function acceptInvitationByHash(db: Db, wf: InvitationWorkflows, tokenHash: string) {
  const effects = noEffects();
  const result = await db.$transaction(async (tx) => {
    await lockInvitee(tx, tokenHash);
    const inv = await tx.invitation.findUnique({
      where: { tokenHash },
      include: {
        email: {
          include: {
            contact: { include: { accounts: { include: { account: { select: { id: true, name: true } } } } } },
          },
        },
      },
    });
    if (!inv)
      throw invalidLink(
        'invitation-invalid',
        'Invitation link not valid',
        'This invitation link is unknown or has been replaced by a newer one.',
        'not-found',
      );
    if (inv.status === 'accepted')
      throw invalidLink(
        'invitation-already-accepted',
        'Invitation already accepted',
        'This invitation link has already been used; sign in instead.',
        'conflict',
      );
    if (inv.status === 'revoked')
      throw invalidLink('invitation-revoked', 'Invitation revoked', 'The firm has withdrawn this invitation.');
    if (inv.status === 'expired' || inv.expiresAt.getTime() <= Date.now())
      throw invalidLink(
        'invitation-expired',
        'Invitation expired',
        'This invitation link has expired; ask the firm to send a new one.',
      );
    // Guarded update: of two concurrent accepts of one token only one succeeds.
    const won = await tx.invitation.updateMany({
      where: { id: inv.id, status: 'sent', tokenHash },
      data: { status: 'accepted', acceptedAt: new Date() },
    });
    if (won.count === 0)
      throw invalidLink(
        'invitation-already-accepted',
        'Invitation already accepted',
        'This invitation link has already been used.',
        'conflict',
      );
    await tx.contactEmail.update({ where: { id: inv.contactEmailId }, data: { login: 'active' } });
    const accounts = inv.email.contact.accounts.map((l) => l.account).sort((a, b) => a.name.localeCompare(b.name));
    // A contact of several accounts picks one after login (SPEC §5), so the event has an account only when there is one.
    await tx.loginEvent.create({
      data: {
        firmId: inv.firmId,
        contactEmailId: inv.contactEmailId,
        accountId: accounts.length === 1 ? accounts[0].id : null,
      },
    });
    await audit(tx, {
      firmId: inv.firmId,
      actorId: null,
      actorType: 'client',
      action: 'invitation.accepted',
      contactId: inv.email.contactId,
      accountId: accounts.length === 1 ? accounts[0].id : null,
      data: { invitationId: inv.id, contactEmailId: inv.contactEmailId },
    });
    effects.accepted = [inv.id];
    await wf.record(tx, inv.firmId, effects);
    return {
      invitationId: inv.id,
      contactId: inv.email.contactId,
      contactEmailId: inv.contactEmailId,
      login: 'active' as const,
      accounts,
    };
  });
  await wf.apply(effects);
  return result;
}
