// Emails about client actions: participants of a note (or of an action's discussion) about it and its
// comments, the acting user's calendar invitation, and GDPR consent emails to the contact. Jobs carry ids
// only; names, addresses and texts are read here, and each email has a business key so a retry never
// sends it twice.
import type { Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import type { Mailer } from '../email/mailer';
import { EmailInFlightError, sendEmailOnce, type LogicalEmail, type SendOutcome } from '../email/outbound-email';
import { fillPlaceholders, paragraphs } from '../email/text';
import { clientUnsubscribe, emailLanguage, firmLanguage, firmOverride } from '../email/compose';
import { withUnsubscribeFooter } from '../email/item-email';
import { CATALOGS, type EmailKind } from '../email/messages';
import { renderEmailKind, type MessageValues } from '../email/render';
import { allCategoryExclusions, type UnsubscribeLinks } from '../email/unsubscribe';
import { clientActionEmailKey, type ClientActionEmail } from '../../shared/contracts/participant-notification';
import { DomainError } from '../errors';
import { mayOpenNote } from './notes';

type Words = (typeof CATALOGS)['en']['words'];

/** What the participant-notification workflow's activity returns (recorded in its history). */
type ClientActionEmailOutcome = Exclude<SendOutcome, 'in_flight' | 'bounced'>;

export interface ClientActionEmailDeps {
  db: Db;
  mailer: Mailer;
  /** The one-click unsubscribe links of emails to clients (defaults when absent). */
  unsubscribe?: UnsubscribeLinks;
}

const icsDate = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const icsText = (s: string) => s.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');

/** A single-event iCalendar REQUEST (RFC 5545) addressed to one firm user. */
export function calendarInvitation(e: {
  uid: string;
  start: Date;
  durationMinutes: number;
  title: string;
  description: string;
  attendee: string;
  organizer: string;
}): string {
  const end = new Date(e.start.getTime() + e.durationMinutes * 60_000);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Nudge//Client actions//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${e.uid}@nudge`,
    `DTSTAMP:${icsDate(new Date())}`,
    `DTSTART:${icsDate(e.start)}`,
    `DTEND:${icsDate(end)}`,
    `SUMMARY:${icsText(e.title)}`,
    `DESCRIPTION:${icsText(e.description)}`,
    `ORGANIZER:mailto:${e.organizer}`,
    `ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:${e.attendee}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

export function createClientActionEmails({ db, mailer, unsubscribe }: ClientActionEmailDeps) {
  /** Send-once; a claim another attempt holds (perhaps one that died after the mail server accepted) is a
   * retry later, never a success: the lease decides whether that attempt's email went out. A bounce is
   * `failed` here, as the workflow's history has always recorded it. */
  async function sendOnce(email: LogicalEmail): Promise<ClientActionEmailOutcome> {
    const outcome = await sendEmailOnce(db, mailer, email);
    if (outcome === 'in_flight') throw new EmailInFlightError(email.idempotencyKey);
    return outcome === 'bounced' ? 'failed' : outcome;
  }

  /** An email to a firm user: in the firm's language, with the firm's own texts for the kind if any. */
  async function renderForFirmUser(firmId: string, kind: EmailKind, values: (words: Words) => MessageValues) {
    const language = await firmLanguage(db, firmId);
    const override = await firmOverride(db, firmId, kind, language);
    return renderEmailKind(kind, language, values(CATALOGS[language].words), { override });
  }

  async function subjectName(note: { accountId: string | null; contactId: string | null }): Promise<string | null> {
    if (note.contactId) {
      const c = await db.contact.findUnique({
        where: { id: note.contactId },
        select: { firstName: true, lastName: true },
      });
      if (c) return `${c.firstName} ${c.lastName}`.trim();
    }
    if (note.accountId) {
      const a = await db.account.findUnique({ where: { id: note.accountId }, select: { name: true } });
      if (a) return a.name;
    }
    return null;
  }

  /** May the firm user still open what the note is about? Its contact or account deleted since: no one may. */
  async function stillOpens(
    user: Actor & { firmId: string },
    note: { accountId: string | null; contactId: string | null },
  ) {
    try {
      return await mayOpenNote(db, user.firmId, user, note);
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'not-found') return false;
      throw err;
    }
  }

  return {
    /**
     * Sends one client-action email; a recipient or note deleted meanwhile is skipped, not retried, and so is
     * an email about a note its recipient may no longer open (taken off the team since it was queued), and
     * a GDPR email whose address bounced or had its notifications switched off since the status was set. An
     * email another attempt is sending throws EmailInFlightError (the activity retries it).
     */
    async sendClientActionEmail(job: ClientActionEmail): Promise<ClientActionEmailOutcome | 'skipped'> {
      const idempotencyKey = clientActionEmailKey(job);
      if (job.kind === 'gdpr') {
        const [template, email, firm] = await Promise.all([
          db.emailTemplate.findFirst({ where: { id: job.templateId, firmId: job.firmId } }),
          db.contactEmail.findFirst({
            where: { id: job.contactEmailId, firmId: job.firmId },
            include: { contact: true },
          }),
          db.firm.findUnique({ where: { id: job.firmId } }),
        ]);
        if (!template || !email || !firm) return 'skipped';
        // Read again just before sending, like a reminder's recipients (the timeline entry has the decision
        // made when the status was set).
        if ((await allCategoryExclusions(db, [email])).size) return 'skipped';
        const values = { firstName: email.contact.firstName, lastName: email.contact.lastName, firmName: firm.name };
        const body = fillPlaceholders(template.body, values);
        // The firm writes this one itself (its GDPR template); it still carries the one-click opt-out, in the
        // header and at its foot in the contact's language.
        const optOut = clientUnsubscribe(unsubscribe, {
          firmId: job.firmId,
          contactEmailId: email.id,
          address: email.address,
          category: 'all',
        });
        const subject = fillPlaceholders(template.subject, values);
        const language = emailLanguage(email.contact.language, firm.language);
        const content = withUnsubscribeFooter({ subject, text: body, html: paragraphs(body) }, language, optOut.url);
        return sendOnce({
          firmId: job.firmId,
          idempotencyKey,
          contactEmailId: email.id,
          to: email.address,
          category: 'gdpr',
          ...content,
          headers: optOut.headers,
        });
      }

      // A user taken out of the firm since gets nothing more.
      const user = await db.firmUser.findFirst({ where: { id: job.userId, firmId: job.firmId, deactivatedAt: null } });
      if (!user) return 'skipped';
      if (job.kind === 'comment') {
        const comment = await db.noteComment.findUnique({ where: { id: job.commentId }, include: { note: true } });
        if (!comment || comment.note.firmId !== job.firmId) return 'skipped';
        if (!(await stillOpens(user, comment.note))) return 'skipped';
        const author = await db.firmUser.findUnique({ where: { id: comment.authorId }, select: { name: true } });
        const about = await subjectName(comment.note);
        const content = await renderForFirmUser(job.firmId, 'note_comment', (w) => ({
          authorName: author?.name ?? w.aColleague,
          about: about ?? w.aClient,
          body: comment.body,
        }));
        return sendOnce({
          firmId: job.firmId,
          accountId: comment.note.accountId ?? undefined,
          idempotencyKey,
          to: user.email,
          category: 'note_comment',
          ...content,
        });
      }

      const note = await db.note.findFirst({ where: { id: job.noteId, firmId: job.firmId } });
      if (!note || !(await stillOpens(user, note))) return 'skipped';
      const author = await db.firmUser.findUnique({
        where: { id: note.authorId },
        select: { name: true, email: true },
      });
      const about = await subjectName(note);
      const values = (w: Words) => ({
        authorName: author?.name ?? w.aColleague,
        about: about ?? w.aClient,
        body: note.body,
      });
      if (job.kind === 'calendar') {
        // The title is built here, not carried in the job: workflow inputs hold no client names.
        const content = await renderForFirmUser(job.firmId, 'note_calendar', values);
        const title = (await renderForFirmUser(job.firmId, 'note_participant', values)).subject;
        return sendOnce({
          firmId: job.firmId,
          accountId: note.accountId ?? undefined,
          idempotencyKey,
          to: user.email,
          category: 'note_calendar',
          ...content,
          icalEvent: {
            method: 'REQUEST',
            filename: 'invite.ics',
            content: calendarInvitation({
              uid: note.id,
              start: new Date(job.start),
              durationMinutes: job.durationMinutes,
              title,
              description: note.body,
              attendee: user.email,
              organizer: author?.email ?? user.email,
            }),
          },
        });
      }
      const content = await renderForFirmUser(job.firmId, 'note_participant', values);
      return sendOnce({
        firmId: job.firmId,
        accountId: note.accountId ?? undefined,
        idempotencyKey,
        to: user.email,
        category: 'note',
        ...content,
      });
    },
  };
}
