// Notes on a contact or an account, their comments and participants (firm users emailed about the note
// and every later comment). Actions with participants open a note too, so their discussion works the same.
import type { Db, Queryable, Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { Actor } from '../access/access';
import { requireAccountAccess } from '../access/access';
import { audit } from '../audit/audit';
import { lowerIds } from '../accounts/team';
import { requireContactAccess } from './timeline';
import { participantWorkflowId, type ClientActionEmail } from '../../shared/contracts/participant-notification';
import { queueEmails, type EmailBatch } from './participant-emails';
import { DomainError, invalid, notFound } from '../errors';
import { readNamedUsers } from '../firms/users';

/** Emails to send once the transaction has committed, under one business workflow id. */

/** Users named must be active users of the firm: an unknown or deactivated id is invalid input, not a silent skip. */
export async function requireFirmUsers(tx: Tx | Db, firmId: string, ids: string[], field: string): Promise<void> {
  const unique = lowerIds(ids);
  if (unique.length === 0) return;
  const found = await readNamedUsers(tx, firmId, unique);
  const known = new Set(found.map((u) => u.id));
  const missing = unique.filter((id) => !known.has(id));
  if (missing.length) throw invalid(field, `not a user of this firm: ${missing.join(', ')}`);
  const deactivated = found.filter((u) => u.deactivatedAt).map((u) => u.id);
  if (deactivated.length) throw invalid(field, `deactivated: ${deactivated.sort().join(', ')}`);
}

/**
 * May the user open the note's contact and its account (as reading or commenting on the note needs)? False
 * when refused; a note about neither is firm-wide.
 */
export async function mayOpenNote(
  db: Queryable,
  firmId: string,
  user: Actor,
  about: { accountId?: string | null; contactId?: string | null },
): Promise<boolean> {
  try {
    if (about.contactId) await requireContactAccess(db, firmId, user, about.contactId);
    if (about.accountId) await requireAccountAccess(db, firmId, user, about.accountId);
    return true;
  } catch (err) {
    if (err instanceof DomainError && err.kind === 'forbidden') return false;
    throw err;
  }
}

/**
 * Participants must be users of the firm who may open what the note is about (they are emailed its text and
 * every comment, and may read and comment on it): an unknown id or one without that right is invalid input,
 * not a silent skip.
 */
export async function requireParticipants(
  tx: Tx | Db,
  firmId: string,
  ids: string[],
  about: { accountId?: string | null; contactId?: string | null },
  field: string,
): Promise<void> {
  await requireFirmUsers(tx, firmId, ids, field);
  const found = await tx.firmUser.findMany({
    where: { firmId, id: { in: lowerIds(ids) } },
    select: { id: true, role: true, canViewAllAccounts: true },
  });
  const barred: string[] = [];
  for (const user of found) if (!(await mayOpenNote(tx, firmId, user, about))) barred.push(user.id);
  if (barred.length)
    throw invalid(field, `may not open the account or contact the note is about: ${barred.sort().join(', ')}`);
}

/** Writes a note with its participants and audit entry inside the caller's transaction. */
export async function insertNote(
  tx: Tx,
  firmId: string,
  actorId: string,
  input: {
    accountId?: string | null;
    contactId?: string | null;
    body: string;
    participants?: string[];
    action?: string;
    data?: Prisma.InputJsonObject;
  },
) {
  await holdNoteSubjects(tx, firmId, input);
  const participants = lowerIds(input.participants ?? []);
  await requireParticipants(tx, firmId, participants, input, 'body.participants');
  const note = await tx.note.create({
    data: {
      firmId,
      accountId: input.accountId ?? null,
      contactId: input.contactId ?? null,
      authorId: actorId,
      body: input.body,
    },
  });
  if (participants.length)
    await tx.noteParticipant.createMany({ data: participants.map((firmUserId) => ({ noteId: note.id, firmUserId })) });
  if (input.action !== undefined) {
    await audit(tx, {
      firmId,
      actorId,
      action: input.action,
      accountId: note.accountId,
      contactId: note.contactId,
      data: { noteId: note.id, participants, ...input.data },
    });
  }
  // The author knows what they wrote; everyone else named is told.
  const emails: ClientActionEmail[] = participants
    .filter((u) => u !== actorId)
    .map((userId) => ({ kind: 'note', firmId, noteId: note.id, userId }));
  return {
    note: { ...note, participants },
    batch: { workflowId: participantWorkflowId.note(note.id), emails, accountId: note.accountId } satisfies EmailBatch,
  };
}

/** May the actor open the note's contact and its account (as writing it needs)? A note about neither is firm-wide. */
async function requireNoteAccess(tx: Tx | Db, firmId: string, actor: Actor, noteId: string) {
  const note = await tx.note.findFirst({ where: { id: noteId, firmId } });
  if (!note) throw notFound('Note', noteId);
  if (note.contactId) await requireContactAccess(tx, firmId, actor, note.contactId);
  if (note.accountId) await requireAccountAccess(tx, firmId, actor, note.accountId);
  return note;
}

/**
 * Holds the note's account and contact until it commits (a note has no foreign key to them): a deletion under way
 * is waited for and then answers 404, and one starting later waits for the note and deletes it too, rather than
 * leave a note about people the firm erased. Every note takes it here: added, or written by a contact action.
 */
async function holdNoteSubjects(
  tx: Tx,
  firmId: string,
  input: { contactId?: string | null; accountId?: string | null },
) {
  if (input.accountId) {
    const held = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "Account" WHERE id = ${input.accountId}::uuid AND "firmId" = ${firmId}::uuid FOR SHARE`;
    if (!held.length) throw notFound('Account', input.accountId);
  }
  if (input.contactId) {
    const held = await tx.$queryRaw<unknown[]>`
      SELECT 1 FROM "Contact" WHERE id = ${input.contactId}::uuid AND "firmId" = ${firmId}::uuid FOR SHARE`;
    if (!held.length) throw notFound('Contact', input.contactId);
  }
}

export interface CalendarInput {
  start: string;
  durationMinutes?: number;
}

export async function createNote(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { contactId?: string; accountId?: string; body: string; participants?: string[]; calendar?: CalendarInput },
) {
  if (!input.contactId && !input.accountId) throw invalid('body', 'name a contactId or an accountId');
  return db.$transaction(async (tx) => {
    if (input.contactId) await requireContactAccess(tx, firmId, actor, input.contactId);
    if (input.accountId) await requireAccountAccess(tx, firmId, actor, input.accountId);
    const calendar = input.calendar
      ? { start: new Date(input.calendar.start).toISOString(), durationMinutes: input.calendar.durationMinutes ?? 30 }
      : undefined;
    const { note, batch } = await insertNote(tx, firmId, actor.id, {
      ...input,
      action: 'note.added',
      data: calendar ? { calendar } : {},
    });
    // "Add to calendar" invites the acting user only (seed 004).
    if (calendar) batch.emails.push({ kind: 'calendar', firmId, noteId: note.id, userId: actor.id, ...calendar });
    return { result: { ...note, calendar: calendar ?? null }, batch: await queueEmails(tx, firmId, batch) };
  });
}

export async function getNote(db: Db, firmId: string, actor: Actor, noteId: string) {
  const note = await requireNoteAccess(db, firmId, actor, noteId);
  const [participants, comments] = await Promise.all([
    db.noteParticipant.findMany({ where: { noteId }, select: { firmUserId: true } }),
    db.noteComment.findMany({ where: { noteId }, orderBy: { createdAt: 'asc' } }),
  ]);
  return { ...note, participants: participants.map((p) => p.firmUserId), comments };
}

/**
 * Participants and the note's author hear of a new comment, the commenter does not, nor anyone who may no
 * longer open the note (taken off the team, or no longer seeing all accounts, since it was written).
 */
async function commentRecipients(
  tx: Tx,
  firmId: string,
  actor: Actor,
  note: { id: string; authorId: string; accountId: string | null; contactId: string | null },
) {
  const participants = await tx.noteParticipant.findMany({ where: { noteId: note.id }, select: { firmUserId: true } });
  const ids = [...new Set([...participants.map((p) => p.firmUserId), note.authorId])].filter((id) => id !== actor.id);
  const users = await tx.firmUser.findMany({
    where: { firmId, id: { in: ids }, deactivatedAt: null },
    select: { id: true, role: true, canViewAllAccounts: true },
  });
  const recipients: string[] = [];
  for (const id of ids) {
    const user = users.find((u) => u.id === id);
    if (user && (await mayOpenNote(tx, firmId, user, note))) recipients.push(id);
  }
  return recipients;
}

export async function addComment(db: Db, firmId: string, actor: Actor, noteId: string, body: string) {
  return db.$transaction(async (tx) => {
    const note = await requireNoteAccess(tx, firmId, actor, noteId);
    const comment = await tx.noteComment.create({ data: { noteId, authorId: actor.id, body } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'note.commented',
      accountId: note.accountId,
      contactId: note.contactId,
      data: { noteId, commentId: comment.id },
    });
    const emails: ClientActionEmail[] = (await commentRecipients(tx, firmId, actor, note)).map((userId) => ({
      kind: 'comment',
      firmId,
      commentId: comment.id,
      userId,
    }));
    return {
      result: comment,
      batch: await queueEmails(tx, firmId, {
        workflowId: participantWorkflowId.comment(comment.id),
        emails,
        accountId: note.accountId,
      }),
    };
  });
}
