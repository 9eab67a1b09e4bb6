// Renders the notification, reminder and resend emails of an item in the recipient's language: subject,
// plain text and HTML. Pure, so it is unit-testable; compose.ts gathers the language and the firm's texts.
import type { DispatchKind, ItemKind } from '../../shared/reminder-types';
import { CATALOGS, DEFAULT_LANGUAGE, type EmailKind, type EmailMessages, type Language } from './messages';
import { formatMessage, renderEmailKind, textToHtml, type RenderedEmail } from './render';

export interface ItemEmailInput {
  firmName: string;
  accountName: string;
  itemKind: ItemKind;
  itemTitle: string;
  dispatchKind: DispatchKind;
  /** Link to the item in the client portal. */
  link: string;
  /** Set when the recipient's portal login is still pending activation. */
  activationLink?: string;
  /** Personal message added to a manual resend. */
  message?: string;
  /** The recipient's language (default English). */
  language?: Language;
  /** The firm's own texts for this email's kind and for the activation banner, in this language. */
  override?: EmailMessages | null;
  bannerOverride?: EmailMessages | null;
  /** When the item was first sent (default: now), and the reminder's number. */
  sentOn?: Date;
  reminderNumber?: number;
  /** The one-click unsubscribe link, shown at the foot of the email. */
  unsubscribeUrl?: string;
  timeZone?: string;
  now?: Date;
}

export const ITEM_EMAIL_KIND: Record<DispatchKind, EmailKind> = {
  notification: 'item_notification',
  reminder: 'item_reminder',
  manual: 'item_manual_resend',
};

const DAY_MS = 86_400_000;

export function renderItemEmail(input: ItemEmailInput): RenderedEmail {
  const language = input.language ?? DEFAULT_LANGUAGE;
  const now = input.now ?? new Date();
  const sentOn = input.sentOn ?? now;
  const values = {
    firmName: input.firmName,
    accountName: input.accountName,
    itemKind: input.itemKind,
    itemTitle: input.itemTitle,
    link: input.link,
    message: input.message ?? '',
    sentOn,
    daysWaiting: Math.max(0, Math.floor((now.getTime() - sentOn.getTime()) / DAY_MS)),
    reminderNumber: input.reminderNumber ?? 1,
  };
  const opts = { timeZone: input.timeZone, links: [input.link] };
  const email = renderEmailKind(ITEM_EMAIL_KIND[input.dispatchKind], language, values, {
    ...opts,
    override: input.override,
  });
  const parts = withActivationBanner(email, language, input);
  return withUnsubscribeFooter(parts, language, input.unsubscribeUrl);
}

/** For a client whose portal login is still pending: the activation banner above the email (item emails, digests). */
export function withActivationBanner(
  email: RenderedEmail,
  language: Language,
  input: Pick<ItemEmailInput, 'firmName' | 'activationLink' | 'bannerOverride' | 'timeZone'>,
): RenderedEmail {
  if (!input.activationLink) return email;
  const banner = renderEmailKind(
    'activation_banner',
    language,
    { firmName: input.firmName, link: input.activationLink },
    { timeZone: input.timeZone, links: [input.activationLink], override: input.bannerOverride },
  );
  return {
    subject: email.subject,
    text: `${banner.subject}\n${banner.text}\n\n${email.text}`,
    html:
      `<div style="background:#fff4d6;padding:12px;border-radius:4px"><p><strong>${textToHtml(banner.subject, []).slice(3, -4)}</strong></p>\n${banner.html}</div>\n` +
      email.html,
  };
}

/** The line at the foot of an email to a client: how to stop these emails in one click. */
export function withUnsubscribeFooter(email: RenderedEmail, language: Language, url?: string): RenderedEmail {
  if (!url) return email;
  const footer = formatMessage(CATALOGS[language].unsubscribe.footer, language, { unsubscribeUrl: url });
  return {
    subject: email.subject,
    text: `${email.text}\n\n-- \n${footer}`,
    html: `${email.html}\n<hr>\n<div style="color:#666;font-size:12px">${textToHtml(footer, [url])}</div>`,
  };
}
