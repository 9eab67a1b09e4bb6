// Chat threads (SPEC §2): start a thread, post firm messages (each starts a reminder cycle) and client
// replies (which stop it), archive and reopen. Each change is written with its audit entry first, then
// told to the thread's reminder workflow.
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import type { ItemRef } from '../../shared/reminder-types';
import { audit } from '../audit/audit';
import { requireAccountAccess, requireWritableAccount, type Actor } from '../access/access';
import { mayOpenAccount } from '../access/access-sql';
import { conflict, invalid, notFound } from '../errors';
import { lockItemRow, requireItemAccess, saveSettings, type ReminderInput } from './item-refs';
import { closeTodos, reopenTodos } from './portal-todos';
import { recordItemCompleted } from '../webhooks/item-events';
import { presentMessage, presentThread } from './present';
import type { ItemWorkflows, ReminderCalls } from './reminder-workflows';
import { readItemSnapshot } from './snapshot';
import { hotQuery, hotSql } from '../outbox/hot-sql';
import { markRequestKey, type StatementRow } from '../outbox/one-statement';

export interface NewMessage {
  author: 'firm' | 'client';
  body: string;
  contactId?: string;
  reminders?: ReminderInput;
  /** The message's id, chosen by the caller (the client pages' reply form): the same form sent twice is refused
   * by the key the first one wrote. */
  id?: string;
}

/**
 * The database's clock, read once the thread's lock is held: the hot path stamps its message by it there too,
 * so messages sort in the order they took the lock whichever API host wrote them (a host's clock may be off).
 */
async function databaseNow(tx: Tx): Promise<Date> {
  const [row] = await tx.$queryRaw<{ now: Date }[]>`
    SELECT (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3) AS now`;
  return row.now;
}

/** A message may not be posted to an archived thread, by the firm or the client. */
function refuseArchived(status: string | null): void {
  if (status === 'archived') {
    throw conflict('thread-archived', 'The thread is archived', 'Reopen the thread before posting to it.');
  }
}

export function createChatService(db: Db, workflows: ItemWorkflows) {
  /**
   * Writes the message with its audit entry in the caller's transaction and queues its call to the thread's
   * workflow: a firm message arms a reminder cycle, a client's reply stops it. `at`: the message's time, by the
   * database's clock (databaseNow).
   */
  async function writeMessage(
    tx: Tx,
    calls: ReminderCalls,
    ref: ItemRef,
    actorId: string,
    input: NewMessage,
    at: Date,
  ) {
    const { firmId, accountId, itemId: threadId } = ref;
    const byFirm = input.author === 'firm';
    // Settings carry over from the thread's earlier messages unless this one changes them.
    if (byFirm && input.reminders) await saveSettings(tx, firmId, 'chat', threadId, input.reminders);
    const m = await tx.chatMessage.create({
      data: {
        id: input.id,
        firmId,
        threadId,
        author: input.author,
        body: input.body,
        firmUserId: byFirm ? actorId : null,
        contactId: input.contactId ?? null,
        createdAt: at,
      },
    });
    await tx.chatThread.update({ where: { id: threadId }, data: { updatedAt: at } });
    if (!byFirm) await closeTodos(tx, 'chat', threadId);
    await audit(tx, {
      firmId,
      actorId: byFirm ? actorId : input.contactId!,
      actorType: byFirm ? 'firm_user' : 'client',
      action: byFirm ? 'chat.message_posted' : 'chat.client_replied',
      accountId,
      itemKind: 'chat',
      itemId: threadId,
      data: { messageId: m.id },
    });
    if (byFirm) calls.arm(ref, sig.firmMessagePostedSignal, { messageId: m.id });
    else {
      calls.notify(ref, sig.clientRepliedSignal);
      await recordItemCompleted(tx, ref, 'replied', m.id);
    }
    return m;
  }

  async function post(firmId: string, actorId: string, threadId: string, input: NewMessage) {
    const thread = await db.chatThread.findFirst({ where: { id: threadId, firmId } });
    if (!thread) throw notFound('Chat thread', threadId);
    refuseArchived(thread.status);
    if (input.author === 'client') {
      if (!input.contactId) throw invalid('body.contactId', 'a client message names the contact who wrote it');
      const link = await db.accountContact.findFirst({
        where: { accountId: thread.accountId, contactId: input.contactId, contact: { firmId } },
      });
      if (!link) throw invalid('body.contactId', 'the contact is not linked to the thread’s account');
    } else if (input.contactId) throw invalid('body.contactId', 'only client messages name a contact');
    if (input.author === 'client' && input.reminders) {
      throw invalid('body.reminders', 'only firm messages carry reminder settings');
    }
    const ref: ItemRef = { firmId, accountId: thread.accountId, kind: 'chat', itemId: threadId };
    const message = await workflows.transaction(async (tx, calls) => {
      // The firm writes nothing more to an archived account; a client's reply is still recorded. The account's
      // lock comes before the thread's (requireWritableAccount says why).
      if (input.author === 'firm') await requireWritableAccount(tx, firmId, thread.accountId);
      // Looked at again under the thread's lock: an archive committing meanwhile is seen, not overtaken.
      // Gone meanwhile (its account deleted): not found, as it would be had it been gone before.
      const status = await lockItemRow(tx, 'chat', threadId);
      if (status === null) throw notFound('Chat thread', threadId);
      refuseArchived(status);
      return writeMessage(tx, calls, ref, actorId, input, await databaseNow(tx));
    });
    return presentMessage(message);
  }

  /**
   * A firm message without reminder settings, the API's hot path (issue 10), as ONE statement and so one
   * round trip: the access check of requireItemAccess (the thread of the firm, its account, the actor's
   * right to it), the archived check (on the thread's row, locked as the statement's update locks it, so an
   * archive committing meanwhile is seen, not overtaken), the message, the thread's updatedAt, the audit
   * entry, the outbox row of the arm call (claimed for this request's fast path unless its workflow has rows
   * pending, so it is delivered from memory) and the request's Idempotency-Key marked committed. The rows are
   * those `post` writes. The message is stamped by the database's clock once the thread's lock is held, as
   * `post` stamps it under that lock: a client's reply committing while this statement waits for the lock
   * sorts before this message, which is then the thread's latest. When the statement writes nothing (no such
   * thread, no right, archived) nothing was changed and the usual path runs instead, so every refusal is the
   * one it always was.
   */
  async function postFirmMessage(firmId: string, actor: Actor, threadId: string, body: string) {
    const messageId = randomUUID();
    const now = new Date();
    const call = workflows.armInStatement(
      { firmId, kind: 'chat', itemId: threadId },
      { from: 'ok, m', now },
      sig.firmMessagePostedSignal,
      { messageId },
    );
    const [row] = await hotQuery<StatementRow & { createdAtMs: number }>(
      db,
      hotSql`
      WITH th AS (
        SELECT t."accountId", t.status::text AS status, a.id IS NOT NULL AND a.status = 'active' AS "accountFound",
          ${mayOpenAccount(actor, 't."accountId"')} AS allowed
        FROM "ChatThread" t LEFT JOIN "Account" a ON a.id = t."accountId" AND a."firmId" = ${firmId}::uuid
        WHERE t.id = ${threadId}::uuid AND t."firmId" = ${firmId}::uuid
        FOR NO KEY UPDATE OF t
      ), ok AS (
        SELECT "accountId" FROM th WHERE "accountFound" AND allowed AND status <> 'archived'
      ), m AS (
        INSERT INTO "ChatMessage" (id, "firmId", "threadId", author, "firmUserId", "contactId", body, "createdAt")
        SELECT ${messageId}::uuid, ${firmId}::uuid, ${threadId}::uuid, 'firm'::"MessageAuthor", ${actor.id}::uuid,
          NULL, ${body}, (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
        FROM ok
        RETURNING id, "createdAt"
      ), u AS (
        UPDATE "ChatThread" SET "updatedAt" = m."createdAt" FROM m WHERE "ChatThread".id = ${threadId}::uuid
      ), au AS (
        INSERT INTO "AuditEvent" ("firmId", "accountId", "contactId", "actorType", "actorId", action, "itemKind",
          "itemId", data, "createdAt")
        SELECT ${firmId}::uuid, ok."accountId", NULL, 'firm_user', ${actor.id}, 'chat.message_posted',
          'chat'::"ItemKind", ${threadId}::uuid, ${JSON.stringify({ messageId })}::jsonb, ${now}::timestamp(3)
        FROM ok, m
      ), o AS (${call.row}
      ), k AS (${markRequestKey(now, 'm')})
      SELECT ok."accountId"::text AS "accountId", o.id AS "outboxId", o.claimed,
        (extract(epoch from m."createdAt") * 1000)::float8 AS "createdAtMs"
      FROM ok, o, m`,
    );
    if (!row) {
      // Nothing written: the usual path gives the refusal (or posts, if the thread changed meanwhile).
      await requireItemAccess(db, firmId, actor, 'chat', threadId);
      return post(firmId, actor.id, threadId, { author: 'firm', body });
    }
    await call.deliver(row);
    return presentMessage({
      id: messageId,
      threadId,
      author: 'firm',
      body,
      createdAt: new Date(row.createdAtMs),
      contactId: null,
      firmUserId: actor.id,
    });
  }

  return {
    async createThread(
      firmId: string,
      actor: Actor,
      accountId: string,
      input: { subject: string; message?: { body: string }; reminders?: ReminderInput },
    ) {
      await requireAccountAccess(db, firmId, actor, accountId);
      if (input.reminders && !input.message) throw invalid('body.reminders', 'reminders need a first message');
      // The thread and its first message commit together: a failure leaves no thread without its message, and
      // the request's Idempotency-Key unmarked, so its retry creates both.
      const { thread, message } = await workflows.transaction(async (tx, calls) => {
        await requireWritableAccount(tx, firmId, accountId);
        const t = await tx.chatThread.create({ data: { firmId, accountId, subject: input.subject } });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'chat.thread_created',
          accountId,
          itemKind: 'chat',
          itemId: t.id,
          data: { subject: t.subject },
        });
        const ref: ItemRef = { firmId, accountId, kind: 'chat', itemId: t.id };
        const m = input.message
          ? await writeMessage(
              tx,
              calls,
              ref,
              actor.id,
              { author: 'firm', body: input.message.body, reminders: input.reminders },
              await databaseNow(tx),
            )
          : null;
        return { thread: t, message: m };
      });
      return { ...presentThread(thread), lastMessage: message && presentMessage(message) };
    },

    async postMessage(firmId: string, actor: Actor, threadId: string, input: NewMessage) {
      if (input.author === 'firm' && !input.reminders && !input.contactId) {
        return postFirmMessage(firmId, actor, threadId, input.body);
      }
      await requireItemAccess(db, firmId, actor, 'chat', threadId);
      return post(firmId, actor.id, threadId, input);
    },

    async setThreadStatus(firmId: string, actor: Actor, threadId: string, status: 'archived' | 'open') {
      const ref = await requireItemAccess(db, firmId, actor, 'chat', threadId);
      const updated = await workflows.transaction(async (tx, calls) => {
        // Under the account's lock, then the thread's: two archives or reopens at once take turns, and the
        // second finds the first's status and changes nothing.
        await requireWritableAccount(tx, firmId, ref.accountId);
        const current = await lockItemRow(tx, 'chat', threadId);
        if (current === status) return tx.chatThread.findUniqueOrThrow({ where: { id: threadId } });
        const t = await tx.chatThread.update({
          where: { id: threadId },
          data: status === 'open' ? { status, reopenCount: { increment: 1 }, reopenedAt: new Date() } : { status },
        });
        if (status === 'archived') await closeTodos(tx, 'chat', threadId);
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: status === 'archived' ? 'chat.thread_archived' : 'chat.thread_reopened',
          accountId: ref.accountId,
          itemKind: 'chat',
          itemId: threadId,
        });
        if (status === 'archived') calls.notify(ref, sig.threadArchivedSignal);
        else if (!(await readItemSnapshot(tx, ref)).doneReason) {
          // As if its latest message were new (SPEC §3): reminders re-armed, the client's to-do open again.
          calls.arm(ref, sig.threadReopenedSignal);
          await reopenTodos(tx, 'chat', threadId);
        }
        return t;
      });
      return presentThread(updated);
    },
  };
}
