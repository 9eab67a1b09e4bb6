// One account's share of a bulk action, per kind. Each step runs inside the caller's transaction with
// the account row locked, writes its changes and audit entries (or, in a dry run, only says what it
// would do), and returns the outcome plus the Temporal calls to make after commit. A rule the account
// does not meet (archived, not allowed, nothing to change) is a skip with a reason, never an error; the
// rules themselves, which need no database, are in decisions.ts.
import { randomUUID } from 'node:crypto';
import type { Prisma, Tx } from '../../prisma/client';
import { hotQuery, hotRaw, hotSql } from '../outbox/hot-sql';
import type { ItemKind, ItemRef, ReminderSettings } from '../../shared/reminder-types';
import { seesAllAccounts } from '../access/access';
import { audit } from '../audit/audit';
import { preferenceColumns } from '../contacts/email-view';
import { forgetUnsubscribes } from '../email/unsubscribe';
import { createInvitation, noEffects, revokeOpenInvitations } from '../invitations/invitations';
import type { BulkContext } from './context';
import type { BulkEffect } from './effects';
import { recordManualResend } from '../items/manual-resends';
import { reminderSettingsFrom } from '../items/snapshot';
import { settingsRowToSave } from '../reminder-policy/rules';
import {
  accountSkip,
  deleteSkip,
  emailChanges,
  messagePreview,
  missingFolders,
  personalise,
  readOnlySkip,
  sendsInvitation,
  SKIP,
  statusSkip,
  tagChanges,
  type AccountStatus,
  type EmailChanges,
} from './decisions';

/** Kept here for its callers: the placeholder rule lives in decisions.ts. */
export { personalise } from './decisions';

type Account = { id: string; name: string; status: AccountStatus };

export interface AccountPlan {
  outcome: 'done' | 'skipped';
  detail: string | null;
  /** What was (or would be) done, for the report. */
  result: Record<string, unknown>;
  effects: BulkEffect[];
}

const skip = (detail: string, result: Record<string, unknown> = {}): AccountPlan => ({
  outcome: 'skipped',
  detail,
  result,
  effects: [],
});
const done = (result: Record<string, unknown>, effects: BulkEffect[] = []): AccountPlan => ({
  outcome: 'done',
  detail: null,
  result,
  effects,
});

/** Checks that apply to every kind, then the kind's own step. */
export async function planAccount(tx: Tx, ctx: BulkContext, accountId: string): Promise<AccountPlan> {
  const rows = await tx.$queryRaw<Account[]>`
    SELECT id::text, name, status::text AS status FROM "Account" WHERE id = ${accountId}::uuid AND "firmId" = ${ctx.firmId}::uuid FOR UPDATE`;
  const account = rows[0];
  const { actor } = ctx;
  // The team is looked up only where it decides: an existing account, a user who does not see every account.
  const onTeam =
    !!account &&
    !!actor &&
    !seesAllAccounts(actor) &&
    !!(await tx.accountTeamMember.findUnique({ where: { accountId_firmUserId: { accountId, firmUserId: actor.id } } }));
  const reason = accountSkip({ accountFound: !!account, actor, onTeam, actorDeactivated: ctx.actorDeactivated });
  if (reason) return skip(reason);
  return STEPS[ctx.params.kind](tx, ctx, account);
}

type Step = (tx: Tx, ctx: BulkContext, account: Account) => Promise<AccountPlan>;

const bulkAudit = (
  tx: Tx,
  ctx: BulkContext,
  action: string,
  accountId: string | null,
  data: Prisma.InputJsonObject,
  extra: { contactId?: string } = {},
) =>
  audit(tx, {
    firmId: ctx.firmId,
    actorId: ctx.actor!.id,
    action,
    accountId,
    ...extra,
    data: { ...data, bulkActionId: ctx.bulkActionId },
  });

const manageTags: Step = async (tx, ctx, account) => {
  if (ctx.params.kind !== 'manage_tags') throw new Error('wrong step');
  const readOnly = readOnlySkip(account.status);
  if (readOnly) return skip(readOnly);
  const have = new Set(
    (await tx.accountTag.findMany({ where: { accountId: account.id }, select: { tagId: true } })).map((t) => t.tagId),
  );
  // A tag deleted since the action started is left out rather than failing every account.
  const known = await lockAskedTags(tx, ctx.firmId, ctx.params.tags);
  const { add, remove } = tagChanges(ctx.params.tags, known, have);
  const result = {
    tagsAdded: add.map((id) => known.get(id)!),
    tagsRemoved: remove.map((id) => known.get(id)!),
  };
  if (!add.length && !remove.length) return skip(SKIP.tagsAsAsked, result);
  if (ctx.dryRun) return done(result);
  if (add.length)
    await tx.accountTag.createMany({
      data: add.map((tagId) => ({ accountId: account.id, tagId })),
      skipDuplicates: true,
    });
  if (remove.length) await tx.accountTag.deleteMany({ where: { accountId: account.id, tagId: { in: remove } } });
  await tx.account.update({ where: { id: account.id }, data: { updatedAt: new Date() } });
  await bulkAudit(tx, ctx, 'account.tags_changed', account.id, result);
  return done(result);
};

/**
 * The asked tags still in the firm (id → name), key-share locked until commit: a tag deleted meanwhile is
 * either gone before this reads (left out) or waits for this step, never removed under its inserts.
 */
async function lockAskedTags(tx: Tx, firmId: string, asked: { tagId: string }[]): Promise<Map<string, string>> {
  const rows = await tx.$queryRaw<{ id: string; name: string }[]>`
    SELECT id::text AS id, name FROM "Tag"
    WHERE id = ANY(${asked.map((t) => t.tagId)}::uuid[]) AND "firmId" = ${firmId}::uuid ORDER BY id FOR KEY SHARE`;
  return new Map(rows.map((t) => [t.id, t.name]));
}

const applyFolderTemplate: Step = async (tx, ctx, account) => {
  const readOnly = readOnlySkip(account.status);
  if (readOnly) return skip(readOnly);
  const paths = ctx.folderPaths;
  if (!paths) return skip(SKIP.folderTemplateDeleted);
  const have = new Set(
    (await tx.accountFolder.findMany({ where: { accountId: account.id }, select: { path: true } })).map((f) => f.path),
  );
  const missing = missingFolders(paths, have);
  const result = { foldersCreated: missing };
  if (!missing.length) return skip(SKIP.foldersExist, result);
  if (ctx.dryRun) return done(result);
  await tx.accountFolder.createMany({
    data: missing.map((path) => ({ accountId: account.id, path })),
    skipDuplicates: true,
  });
  await bulkAudit(tx, ctx, 'account.folders_created', account.id, result);
  return done(result);
};

/** The statement's time by the database's clock: a client's reply to the new thread is stamped by it too
 * (domain/items/chat.ts), so the first message sorts before it whatever the worker's clock says. */
const DATABASE_NOW = hotRaw(`(statement_timestamp() AT TIME ZONE 'UTC')::timestamp(3)`);

const sendMessage: Step = async (tx, ctx, account) => {
  if (ctx.params.kind !== 'send_message') throw new Error('wrong step');
  const readOnly = readOnlySkip(account.status);
  if (readOnly) return skip(readOnly);
  if (!ctx.chatTemplate) return skip(SKIP.chatTemplateDeleted);
  const values = { accountName: account.name, firmName: ctx.firmName };
  const subject = personalise(ctx.chatTemplate.name, values);
  const body = personalise(ctx.chatTemplate.body, values);
  const result = { messagePosted: { subject, preview: messagePreview(body) } };
  if (ctx.dryRun) return done(result);
  // Without reminders the thread has no row and follows the firm's chat policy, as through the API.
  const settings = ctx.params.reminders ? threadSettings(ctx, ctx.params.reminders) : null;
  // The thread, its settings, the message and both audit entries in one statement (issue 10).
  const thread = { id: randomUUID() };
  const message = { id: randomUUID() };
  const audits = [
    { action: 'chat.thread_created', data: { subject, bulkActionId: ctx.bulkActionId } },
    { action: 'chat.message_posted', data: { messageId: message.id, bulkActionId: ctx.bulkActionId } },
  ];
  await hotQuery(
    tx,
    hotSql`
    WITH t AS (
      INSERT INTO "ChatThread" (id, "firmId", "accountId", subject, "createdAt", "updatedAt")
      VALUES (${thread.id}::uuid, ${ctx.firmId}::uuid, ${account.id}::uuid, ${subject}::text, ${DATABASE_NOW},
        ${DATABASE_NOW})
      RETURNING id
    ), s AS (
      INSERT INTO "ReminderSettings" ("firmId", "itemKind", "itemId", enabled, "intervalDays", count, source,
        "sendWindow", "updatedAt")
      SELECT ${ctx.firmId}::uuid, 'chat', t.id, ${settings?.enabled ?? null}::boolean,
        ${settings?.intervalDays ?? null}::int, ${settings?.count ?? null}::int,
        ${settings?.source ?? null}::"ReminderSettingsSource", ${settings?.sendWindow ?? null}::"ReminderSendWindow",
        ${DATABASE_NOW}
      FROM t WHERE ${settings !== null}::boolean
    ), m AS (
      INSERT INTO "ChatMessage" (id, "firmId", "threadId", author, "firmUserId", body, "createdAt")
      SELECT ${message.id}::uuid, ${ctx.firmId}::uuid, t.id, 'firm', ${ctx.actor!.id}::uuid, ${body}::text,
        ${DATABASE_NOW}
      FROM t
      RETURNING id
    )
    INSERT INTO "AuditEvent" ("firmId", "accountId", "actorType", "actorId", action, "itemKind", "itemId", data,
      "createdAt")
    SELECT ${ctx.firmId}::uuid, ${account.id}::uuid, 'firm_user', ${ctx.actor!.id}::text, a.action, 'chat', t.id,
      a.data::jsonb, ${DATABASE_NOW}
    FROM t, m, unnest(${audits.map((a) => a.action)}::text[], ${audits.map((a) => JSON.stringify(a.data))}::text[])
      WITH ORDINALITY AS a(action, data, n)
    ORDER BY a.n`,
  );
  const item: ItemRef = { firmId: ctx.firmId, accountId: account.id, kind: 'chat', itemId: thread.id };
  return done({ ...result, threadId: thread.id, messageId: message.id }, [
    { type: 'message-posted', item, messageId: message.id },
  ]);
};

/**
 * A new thread's settings row as the chat API saves it (saveSettings in items/item-refs.ts): the input merged
 * onto the firm's chat policy, the thread's own, with the policy's send-window rule.
 */
function threadSettings(ctx: BulkContext, input: Partial<ReminderSettings>) {
  const { row, problem } = settingsRowToSave(ctx.chatPolicy!, input);
  if (problem) throw new Error(`invalid reminder settings: ${problem}`);
  return row;
}

/**
 * Archiving makes the account read-only and its reminders stop at their next check (the reminder
 * workflows read the account's status). Restoring re-arms the reminders of its open items.
 */
const setStatus =
  (to: 'active' | 'archived'): Step =>
  async (tx, ctx, account) => {
    const same = statusSkip(account.status, to);
    if (same) return skip(same);
    const result = { status: { from: account.status, to } };
    if (ctx.dryRun) return done(result);
    await tx.account.update({ where: { id: account.id }, data: { status: to } });
    await bulkAudit(tx, ctx, to === 'archived' ? 'account.archived' : 'account.restored', account.id, result);
    return done(result, to === 'active' ? await rearmReminders(tx, ctx, account.id) : []);
  };

async function rearmReminders(tx: Tx, ctx: BulkContext, accountId: string): Promise<BulkEffect[]> {
  const [threads, signatures, approvals] = await Promise.all([
    tx.chatThread.findMany({ where: { accountId, status: 'open' }, select: { id: true } }),
    tx.signatureRequest.findMany({ where: { accountId, status: 'pending' }, select: { id: true } }),
    tx.approvalRequest.findMany({ where: { accountId, status: 'pending' }, select: { id: true } }),
  ]);
  const items = [
    ...threads.map((t) => ['chat', t.id] as const),
    ...signatures.map((r) => ['signature', r.id] as const),
    ...approvals.map((r) => ['approval', r.id] as const),
  ];
  if (!items.length) return [];
  const rows = await tx.reminderSettings.findMany({
    where: { firmId: ctx.firmId, itemId: { in: items.map(([, id]) => id) } },
  });
  const own = new Map(rows.map((r) => [`${r.itemKind}:${r.itemId}`, r]));
  // An item without a row (a chat thread started without settings) follows the firm's policy for its kind.
  const policies = items.some(([kind, id]) => !own.has(`${kind}:${id}`))
    ? await tx.firmReminderPolicy.findMany({ where: { firmId: ctx.firmId } })
    : [];
  const effects: BulkEffect[] = [];
  for (const [kind, itemId] of items) {
    const policy = policies.find((p) => p.itemKind === kind) ?? null;
    const { settings } = reminderSettingsFrom(own.get(`${kind}:${itemId}`) ?? null, policy);
    if (settings.enabled)
      effects.push({ type: 'settings-changed', item: { firmId: ctx.firmId, accountId, kind, itemId }, settings });
  }
  return effects;
}

/**
 * Removes the account with everything it holds. Contacts linked to no other account go too (they are
 * this account's people); contacts shared with other accounts stay there. The account's reminder
 * workflows are terminated and its contacts' open invitations revoked once this commits.
 */
const deleteAccount: Step = async (tx, ctx, account) => {
  const notArchived = deleteSkip(account.status);
  if (notArchived) return skip(notArchived);
  const [threads, signatures, approvals] = await Promise.all([
    tx.chatThread.findMany({ where: { accountId: account.id }, select: { id: true } }),
    tx.signatureRequest.findMany({ where: { accountId: account.id }, select: { id: true } }),
    tx.approvalRequest.findMany({ where: { accountId: account.id }, select: { id: true } }),
  ]);
  // The contacts are locked (in id order) before asking which belong to no other account, so two
  // accounts sharing a contact and deleted at the same time cannot both leave it behind.
  const contactIds = (
    await tx.$queryRaw<{ id: string }[]>`
      SELECT c.id::text FROM "Contact" c JOIN "AccountContact" ac ON ac."contactId" = c.id
      WHERE ac."accountId" = ${account.id}::uuid ORDER BY c.id FOR UPDATE OF c`
  ).map((c) => c.id);
  const shared = new Set(
    (
      await tx.accountContact.findMany({
        where: { contactId: { in: contactIds }, accountId: { not: account.id } },
        select: { contactId: true },
      })
    ).map((l) => l.contactId),
  );
  const ownContacts = contactIds.filter((id) => !shared.has(id));
  const items: { kind: ItemKind; itemId: string }[] = [
    ...threads.map((t) => ({ kind: 'chat' as const, itemId: t.id })),
    ...signatures.map((r) => ({ kind: 'signature' as const, itemId: r.id })),
    ...approvals.map((r) => ({ kind: 'approval' as const, itemId: r.id })),
  ];
  const result = {
    deleted: {
      name: account.name,
      chatThreads: threads.length,
      signatureRequests: signatures.length,
      approvalRequests: approvals.length,
      contactsDeleted: ownContacts.length,
      contactsKept: shared.size,
    },
  };
  if (ctx.dryRun) return done(result);

  const invitations = noEffects();
  const ownEmails = (
    await tx.contactEmail.findMany({ where: { contactId: { in: ownContacts } }, select: { id: true } })
  ).map((e) => e.id);
  for (const id of ownEmails) await revokeOpenInvitations(tx, id, invitations);
  await tx.reminderSettings.deleteMany({ where: { itemId: { in: items.map((i) => i.itemId) } } });
  await tx.account.delete({ where: { id: account.id } }); // threads, documents, requests, to-dos, tags, team, folders, links cascade
  await tx.contact.deleteMany({ where: { id: { in: ownContacts } } }); // their emails and invitations cascade
  // After the cascades, which wait for the changes holding the account's rows (a client's approval writing its
  // audit entry, a note being added, a dispatch holding its item): those committed meanwhile are deleted too, not
  // left behind unreachable.
  await tx.reminderDispatch.deleteMany({ where: { accountId: account.id } });
  await tx.outboundEmail.deleteMany({
    where: { OR: [{ accountId: account.id }, { contactEmailId: { in: ownEmails } }] },
  });
  await tx.note.deleteMany({ where: { OR: [{ accountId: account.id }, { contactId: { in: ownContacts } }] } });
  await tx.loginEvent.deleteMany({ where: { OR: [{ accountId: account.id }, { contactEmailId: { in: ownEmails } }] } });
  await tx.auditEvent.deleteMany({ where: { OR: [{ accountId: account.id }, { contactId: { in: ownContacts } }] } });
  // The firm's record of the deletion outlives the account's own timeline.
  await bulkAudit(tx, ctx, 'account.deleted', null, { accountId: account.id, ...result.deleted });
  const effects: BulkEffect[] = [];
  if (items.length) effects.push({ type: 'stop-reminders', items });
  if (invitations.revoke.length) effects.push({ type: 'invitations', effects: invitations });
  return done(result, effects);
};

const contactToggles: Step = async (tx, ctx, account) => {
  const p = ctx.params;
  if (p.kind !== 'contact_toggles') throw new Error('wrong step');
  const readOnly = readOnlySkip(account.status);
  if (readOnly) return skip(readOnly);
  // Locked in id order: a contact shared by two selected accounts is decided once, by whichever step
  // gets it first; the other then sees it already switched (no second invitation). The contacts before
  // their emails, as a deletion and the API's invitation changes take them: a contact deleted meanwhile is
  // waited for and left out, rather than deadlocking on its invitations.
  const contacts = await tx.$queryRaw<{ id: string }[]>`
    SELECT c.id::text FROM "Contact" c JOIN "AccountContact" ac ON ac."contactId" = c.id
    WHERE ac."accountId" = ${account.id}::uuid ORDER BY c.id FOR NO KEY UPDATE OF c`;
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM "ContactEmail" WHERE "contactId" = ANY(${contacts.map((c) => c.id)}::uuid[])
    ORDER BY id FOR UPDATE`;
  const emails = await tx.contactEmail.findMany({
    where: { id: { in: locked.map((e) => e.id) } },
    orderBy: { address: 'asc' },
  });
  if (!emails.length) return skip(SKIP.noContactEmail);
  const invitations = noEffects();
  const changed: { address: string; changes: EmailChanges }[] = [];
  const invited: string[] = [];
  for (const e of emails) {
    const changes = emailChanges(p, e);
    if (!Object.keys(changes).length) continue;
    changed.push({ address: e.address, changes });
    const invite = sendsInvitation(changes, p.sendInvitations);
    if (invite) invited.push(e.address);
    if (ctx.dryRun) continue;

    const { login, preferences, ...toggles } = changes;
    await tx.contactEmail.update({
      where: { id: e.id },
      // Pending without an invitation when the caller sends them later; with one, createInvitation sets it.
      data: {
        ...toggles,
        ...(login === 'off' || (login === 'pending' && !invite) ? { login } : {}),
        ...(preferences ? preferenceColumns(preferences) : {}),
      },
    });
    await forgetUnsubscribes(tx, ctx.firmId, e.id, { notify: toggles.notify, preferences });
    if (login === 'off') await revokeOpenInvitations(tx, e.id, invitations);
    if (invite)
      await createInvitation(
        tx,
        ctx.daySeconds,
        ctx.firmId,
        ctx.actor!.id,
        e,
        { message: p.invitationMessage },
        invitations,
      );
    await bulkAudit(
      tx,
      ctx,
      'contact_email.toggled',
      account.id,
      { contactEmailId: e.id, changes: changes as Prisma.InputJsonObject },
      { contactId: e.contactId },
    );
  }
  const result = { emailsChanged: changed, invitationsSent: invited };
  if (!changed.length) return skip(SKIP.emailsAsAsked, result);
  const effects: BulkEffect[] =
    invitations.start.length || invitations.revoke.length ? [{ type: 'invitations', effects: invitations }] : [];
  return done(result, effects);
};

const requestPendingApprovals: Step = async (tx, ctx, account) => {
  if (ctx.params.kind !== 'request_pending_approvals') throw new Error('wrong step');
  const readOnly = readOnlySkip(account.status);
  if (readOnly) return skip(readOnly);
  const pending = await tx.approvalRequest.findMany({
    where: { accountId: account.id, status: 'pending' },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
  });
  const result = { approvalsRequested: pending.map((a) => a.id) };
  if (!pending.length) return skip(SKIP.noPendingApprovals, result);
  if (ctx.dryRun) return done(result);
  await bulkAudit(tx, ctx, 'approval.bulk_requested', account.id, { approvalRequestIds: pending.map((a) => a.id) });
  // The messages are stored with the step (it runs once per account); the signals carry only their ids,
  // so a repeated effect asks for the same resend, which sends once.
  const effects: BulkEffect[] = [];
  for (const a of pending) {
    const item = { firmId: ctx.firmId, accountId: account.id, kind: 'approval' as const, itemId: a.id };
    const resend = await recordManualResend(tx, item, ctx.actor!.id, ctx.params.message);
    effects.push({ type: 'manual-resend', item, resendId: resend.resendId, requestedBy: ctx.actor!.id });
  }
  return done(result, effects);
};

const STEPS: Record<BulkContext['params']['kind'], Step> = {
  manage_tags: manageTags,
  apply_folder_template: applyFolderTemplate,
  send_message: sendMessage,
  archive: setStatus('archived'),
  restore: setStatus('active'),
  delete: deleteAccount,
  contact_toggles: contactToggles,
  request_pending_approvals: requestPendingApprovals,
};
