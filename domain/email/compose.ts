// Gathers what an email needs beyond its values: the recipient's language (the contact's, else the
// firm's, else English), the firm's own texts for that kind and language, and for a client the one-click
// unsubscribe link and headers. The senders (dispatch, invitations, client-action emails) call these.
import type { Db } from '../../prisma/client';
import type { ItemRef } from '../../shared/reminder-types';
import { CATEGORY_OF_ITEM } from '../../shared/recipients';
import { DEFAULT_LANGUAGE, isLanguage, type EmailKind, type EmailMessages, type Language } from './messages';
import { ITEM_EMAIL_KIND, renderItemEmail, type ItemEmailInput } from './item-email';
import {
  unsubscribeHeaders,
  type UnsubscribeCategory,
  type UnsubscribeLinks,
  type UnsubscribeTarget,
} from './unsubscribe';

type Reader = Pick<Db, 'firm' | 'contact' | 'contactEmail' | 'emailKindTemplate' | 'firmSendWindow'>;

const validZone = (zone: string | null | undefined): zone is string => {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/**
 * The zone dates and times of a contact's emails are written in: the contact's, else the firm's (its send
 * window's), else UTC; the email names the zone.
 */
export async function contactTimeZone(db: Reader, firmId: string, contactId: string): Promise<string> {
  const [contact, window] = await Promise.all([
    db.contact.findFirst({ where: { id: contactId, firmId }, select: { timeZone: true } }),
    db.firmSendWindow.findUnique({ where: { firmId }, select: { timeZone: true } }),
  ]);
  return emailTimeZone(contact?.timeZone, window?.timeZone);
}

/** The zone of a contact's emails from the contact's own zone and the firm's send-window zone (see above). */
export function emailTimeZone(contactZone: string | null | undefined, firmZone: string | null | undefined): string {
  if (validZone(contactZone)) return contactZone;
  return validZone(firmZone) ? firmZone : 'UTC';
}

/** A contact's language from their own and their firm's: the first one Nudge has, else English. */
export function emailLanguage(contactLanguage: string | null | undefined, firmLanguage: string | null | undefined) {
  if (isLanguage(contactLanguage)) return contactLanguage;
  return isLanguage(firmLanguage) ? firmLanguage : DEFAULT_LANGUAGE;
}

export async function firmLanguage(db: Reader, firmId: string): Promise<Language> {
  const firm = await db.firm.findUnique({ where: { id: firmId }, select: { language: true } });
  return emailLanguage(null, firm?.language);
}

/** A contact's language: their own, else their firm's. */
export async function contactLanguage(db: Reader, firmId: string, contactId: string): Promise<Language> {
  const contact = await db.contact.findFirst({ where: { id: contactId, firmId }, select: { language: true } });
  return isLanguage(contact?.language) ? contact.language : firmLanguage(db, firmId);
}

export async function contactEmailLanguage(db: Reader, firmId: string, contactEmailId: string): Promise<Language> {
  const email = await db.contactEmail.findFirst({
    where: { id: contactEmailId, firmId },
    select: { contact: { select: { language: true } } },
  });
  return isLanguage(email?.contact.language) ? email.contact.language : firmLanguage(db, firmId);
}

/** The firm's own subject and body for this kind in this language, if it wrote them. */
export async function firmOverride(
  db: Reader,
  firmId: string,
  kind: EmailKind,
  language: Language,
): Promise<EmailMessages | null> {
  const row = await db.emailKindTemplate.findUnique({
    where: { firmId_kind_language: { firmId, kind, language } },
    select: { subject: true, body: true },
  });
  return row;
}

/** The unsubscribe link and headers of an email to a contact address (defaults without configuration). */
export const clientUnsubscribe = (
  links: UnsubscribeLinks | undefined,
  claims: { firmId: string; contactEmailId: string; address: string; category: UnsubscribeTarget },
) => unsubscribeHeaders(links ?? {}, claims);

/** What the dispatcher knows of an item email; the rest is gathered here. */
export type ItemEmailFacts = Omit<
  ItemEmailInput,
  'language' | 'override' | 'bannerOverride' | 'sentOn' | 'unsubscribeUrl' | 'now'
>;

/** When the item was created: "we sent it on …" in reminders. */
async function itemSentOn(db: Db, item: ItemRef): Promise<Date | undefined> {
  const where = { id: item.itemId };
  const select = { createdAt: true } as const;
  const row =
    item.kind === 'chat'
      ? await db.chatThread.findUnique({ where, select })
      : item.kind === 'signature'
        ? await db.signatureRequest.findUnique({ where, select })
        : await db.approvalRequest.findUnique({ where, select });
  return row?.createdAt;
}

/** One recipient's notification, reminder or resend: in their language, with the firm's texts if any. */
export async function composeItemEmail(
  db: Db,
  links: UnsubscribeLinks | undefined,
  { item, contactEmailId, to, ...input }: ItemEmailFacts & { item: ItemRef; contactEmailId: string; to: string },
) {
  const language = await contactEmailLanguage(db, item.firmId, contactEmailId);
  const email = await db.contactEmail.findUnique({ where: { id: contactEmailId }, select: { contactId: true } });
  const [override, bannerOverride, sentOn, timeZone] = await Promise.all([
    firmOverride(db, item.firmId, ITEM_EMAIL_KIND[input.dispatchKind], language),
    input.activationLink ? firmOverride(db, item.firmId, 'activation_banner', language) : null,
    itemSentOn(db, item),
    email ? contactTimeZone(db, item.firmId, email.contactId) : 'UTC',
  ]);
  return composeItemEmailFrom(
    links,
    { item, contactEmailId, to, ...input },
    { language, override, bannerOverride, sentOn, timeZone },
  );
}

/** What an item email needs from the database besides the dispatcher's facts (read by the caller). */
export interface ItemEmailReads {
  language: Language;
  override: EmailMessages | null;
  bannerOverride: EmailMessages | null;
  sentOn: Date | undefined;
  timeZone: string;
}

/** One recipient's item email from what was read already: the text, and the one-click unsubscribe headers. */
export function composeItemEmailFrom(
  links: UnsubscribeLinks | undefined,
  { item, contactEmailId, to, ...input }: ItemEmailFacts & { item: ItemRef; contactEmailId: string; to: string },
  reads: ItemEmailReads,
) {
  const unsubscribe = clientUnsubscribe(links, {
    firmId: item.firmId,
    contactEmailId,
    address: to,
    category: CATEGORY_OF_ITEM[item.kind] as UnsubscribeCategory,
  });
  const content = renderItemEmail({ ...input, ...reads, unsubscribeUrl: unsubscribe.url });
  return { ...content, headers: unsubscribe.headers };
}
