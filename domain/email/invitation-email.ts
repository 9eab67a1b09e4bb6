// Renders the portal invitation email: subject, plain text and HTML. Pure, so it is unit-testable.
import { escapeHtml } from './text';
export interface InvitationEmailInput {
  firmName: string;
  contactName: string;
  /** The single-use accept link; it carries the token, so it exists only in this email. */
  link: string;
  expiresAt: Date;
  message?: string | null;
  resend: boolean;
}

export function renderInvitationEmail(input: InvitationEmailInput): { subject: string; text: string; html: string } {
  // Not "Reminder: …": that prefix belongs to item reminders.
  const subject = `${input.firmName} invites you to its client portal${input.resend ? ' (new link)' : ''}`;
  const greeting = input.contactName ? `Hello ${input.contactName},` : 'Hello,';
  const intro = `${input.firmName} invites you to its client portal, where you can exchange messages and documents and sign or approve them.`;
  const until = `This link works once and until ${input.expiresAt.toUTCString()}.`;
  const text = [
    greeting,
    '',
    intro,
    ...(input.message ? ['', input.message] : []),
    '',
    `Activate your account: ${input.link}`,
    '',
    until,
  ].join('\n');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    input.message ? `<p>${escapeHtml(input.message).replace(/\n/g, '<br>')}</p>` : '',
    `<p><a href="${escapeHtml(input.link)}">Activate your account</a></p>`,
    `<p style="color:#666">${escapeHtml(until)}</p>`,
  ].join('\n');
  return { subject, text, html };
}
