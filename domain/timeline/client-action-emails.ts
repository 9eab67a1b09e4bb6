// Emails about client actions: participants of a note (or of an action's discussion) about it and its
// comments, the acting user's calendar invitation, and GDPR consent emails to the contact. Jobs carry ids
// only; names, addresses and texts are read here, and each email has a business key so a retry never
// sends it twice.
import type { Db } from '../../prisma/client';
import type { Mailer } from '../email/mailer';
import { sendEmailOnce, type SendOutcome } from '../email/outbound-email';
import { fillPlaceholders, paragraphs } from '../email/text';
import { clientActionEmailKey, type ClientActionEmail } from '../../shared/contracts/participant-notification';

export interface ClientActionEmailDeps {
  db: Db;
  mailer: Mailer;
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

export function createClientActionEmails({ db, mailer }: ClientActionEmailDeps) {
  async function subjectName(note: { accountId: string | null; contactId: string | null }): Promise<string> {
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
    return 'a client';
  }

  return {
    /** Sends one client-action email; a recipient or note deleted meanwhile is skipped, not retried. */
    async sendClientActionEmail(job: ClientActionEmail): Promise<SendOutcome | 'skipped'> {
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
        const values = { firstName: email.contact.firstName, lastName: email.contact.lastName, firmName: firm.name };
        const body = fillPlaceholders(template.body, values);
        return sendEmailOnce(db, mailer, {
          firmId: job.firmId,
          idempotencyKey,
          contactEmailId: email.id,
          to: email.address,
          category: 'gdpr',
          subject: fillPlaceholders(template.subject, values),
          text: body,
          html: paragraphs(body),
        });
      }

      const user = await db.firmUser.findFirst({ where: { id: job.userId, firmId: job.firmId } });
      if (!user) return 'skipped';
      if (job.kind === 'comment') {
        const comment = await db.noteComment.findUnique({ where: { id: job.commentId }, include: { note: true } });
        if (!comment || comment.note.firmId !== job.firmId) return 'skipped';
        const author = await db.firmUser.findUnique({ where: { id: comment.authorId }, select: { name: true } });
        const about = await subjectName(comment.note);
        const text = `${author?.name ?? 'A colleague'} commented on a note about ${about}:\n\n${comment.body}`;
        return sendEmailOnce(db, mailer, {
          firmId: job.firmId,
          accountId: comment.note.accountId ?? undefined,
          idempotencyKey,
          to: user.email,
          category: 'note_comment',
          subject: `New comment on a note about ${about}`,
          text,
          html: paragraphs(text),
        });
      }

      const note = await db.note.findFirst({ where: { id: job.noteId, firmId: job.firmId } });
      if (!note) return 'skipped';
      const author = await db.firmUser.findUnique({
        where: { id: note.authorId },
        select: { name: true, email: true },
      });
      const about = await subjectName(note);
      if (job.kind === 'calendar') {
        // The title is built here, not carried in the job: workflow inputs hold no client names.
        const title = `Note about ${about}`;
        const text = `Calendar entry for your note about ${about}:\n\n${note.body}`;
        return sendEmailOnce(db, mailer, {
          firmId: job.firmId,
          accountId: note.accountId ?? undefined,
          idempotencyKey,
          to: user.email,
          category: 'note_calendar',
          subject: `Calendar: ${title}`,
          text,
          html: paragraphs(text),
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
      const text = `${author?.name ?? 'A colleague'} added you to a note about ${about}:\n\n${note.body}`;
      return sendEmailOnce(db, mailer, {
        firmId: job.firmId,
        accountId: note.accountId ?? undefined,
        idempotencyKey,
        to: user.email,
        category: 'note',
        subject: `Note about ${about}`,
        text,
        html: paragraphs(text),
      });
    },
  };
}
