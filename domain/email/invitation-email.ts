// Renders the portal invitation email in the recipient's language: subject, plain text and HTML. Pure, so
// it is unit-testable.
import { DEFAULT_LANGUAGE, type EmailMessages, type Language } from './messages';
import { renderEmailKind, type RenderedEmail } from './render';
import { withUnsubscribeFooter } from './item-email';

export interface InvitationEmailInput {
  firmName: string;
  contactName: string;
  /** The single-use accept link; it carries the token, so it exists only in this email. */
  link: string;
  expiresAt: Date;
  /** How many days the link is valid (the invitation's setting). */
  validDays?: number;
  message?: string | null;
  resend: boolean;
  language?: Language;
  /** The firm's own texts for invitations in this language. */
  override?: EmailMessages | null;
  unsubscribeUrl?: string;
  timeZone?: string;
}

export function renderInvitationEmail(input: InvitationEmailInput): RenderedEmail {
  const language = input.language ?? DEFAULT_LANGUAGE;
  // Not "Reminder: …": that prefix belongs to item reminders.
  const email = renderEmailKind(
    'invitation',
    language,
    {
      firmName: input.firmName,
      contactName: input.contactName,
      named: input.contactName ? 'yes' : 'no',
      link: input.link,
      message: input.message ?? '',
      expiresAt: input.expiresAt,
      validDays: input.validDays ?? 14,
      resend: input.resend ? 'yes' : 'no',
    },
    { override: input.override, timeZone: input.timeZone, links: [input.link] },
  );
  return withUnsubscribeFooter(email, language, input.unsubscribeUrl);
}
