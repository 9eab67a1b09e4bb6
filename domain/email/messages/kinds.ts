// The languages Nudge writes emails in, the kinds of email it sends, and the values each kind's messages
// may use (ICU MessageFormat arguments). Firm overrides are checked against these lists at save.

export const LANGUAGES = ['en', 'it', 'fr', 'es', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
/** The language of a firm that never chose one, and so of its contacts without one. */
export const DEFAULT_LANGUAGE: Language = 'en';

export const isLanguage = (s: unknown): s is Language => (LANGUAGES as readonly unknown[]).includes(s);

export const EMAIL_KINDS = [
  'item_notification',
  'item_reminder',
  'item_manual_resend',
  'activation_banner',
  'invitation',
  'note_participant',
  'note_comment',
  'note_calendar',
  'digest',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

const ITEM = ['firmName', 'accountName', 'itemKind', 'itemTitle', 'link', 'message', 'sentOn', 'daysWaiting'] as const;
const NOTE = ['authorName', 'about', 'body'] as const;

/**
 * The arguments each kind's subject and body may use. `itemKind` is chat | signature | approval,
 * `named` and `resend` are yes | no (for `select`), `sentOn` and `expiresAt` are dates, `daysWaiting`,
 * `reminderNumber` and `validDays` are numbers (for `plural`); `message` is the firm's personal message
 * (empty when there is none: a paragraph left empty disappears). A digest's `itemCount` and `accountCount`
 * are numbers, its `items` the list of items, one paragraph each (the catalog's `digest.item`).
 */
export const EMAIL_VARIABLES: Record<EmailKind, readonly string[]> = {
  item_notification: ITEM,
  item_reminder: [...ITEM, 'reminderNumber'],
  item_manual_resend: ITEM,
  activation_banner: ['firmName', 'link'],
  invitation: ['firmName', 'contactName', 'named', 'link', 'message', 'expiresAt', 'validDays', 'resend'],
  note_participant: NOTE,
  note_comment: NOTE,
  note_calendar: NOTE,
  digest: ['firmName', 'itemCount', 'accountCount', 'items'],
};

/** One email kind's text in one language: ICU MessageFormat, plain text (HTML is derived from it). */
export interface EmailMessages {
  subject: string;
  body: string;
}

/**
 * What the client pages' error pages (api/portal/) may say, by the error's slug: the domain's errors a
 * client can meet there, the pages' own (bad form input, no such page, busy), and `other` for the rest.
 */
export const PORTAL_ERRORS = [
  'portal-link-invalid',
  'portal-link-wrong-purpose',
  'portal-link-expired',
  'portal-link-revoked',
  'invitation-invalid',
  'invitation-revoked',
  'invitation-expired',
  'invitation-already-accepted',
  'activation-unavailable',
  'validation-error',
  'empty-message',
  'message-too-long',
  'not-found',
  'unreadable-form',
  'busy',
  'unexpected',
  'other',
] as const;
export type PortalError = (typeof PORTAL_ERRORS)[number];

/**
 * The built-in client pages (api/portal/), in the contact's language. ICU MessageFormat where a text names
 * a value: {firmName}, {contactName}, {address}, {name} (the contact's).
 */
export interface PortalTexts {
  /** The header of a page that names no firm; the landing page's title. */
  title: string;
  landing: string;
  /** {name} */
  hello: string;
  /** An item's status badge; `waitingForOthers`: a signature this client has signed, others not yet. */
  status: Record<'open' | 'archived' | 'pending' | 'waitingForOthers' | 'approved' | 'signed' | 'cancelled', string>;
  /** The notice after an action. */
  done: Record<'replied' | 'approved' | 'signed', string>;
  reply: { label: string; button: string; closed: string };
  /** `ask`: {firmName} */
  approve: { ask: string; button: string };
  /** `ask`: {firmName}; a signer's line: `signed` or `notSigned`, `you` after this client's name. */
  sign: { ask: string; button: string; signed: string; notSigned: string; you: string };
  /** `heading` {firmName}; `body` {contactName}, {firmName}, {address}; `activeBody` {address}. */
  invitation: {
    title: string;
    heading: string;
    body: string;
    button: string;
    activeHeading: string;
    activeBody: string;
  };
  /** `body` {contactName}, {address}, {firmName}; `activeBody` {address}, {firmName}. */
  activation: { title: string; body: string; button: string; activeHeading: string; activeBody: string };
  accepted: { title: string; notice: string; accounts: string };
  errors: Record<PortalError, { title: string; detail: string }>;
}

/**
 * A language's catalog: every kind's messages, plus the words used when a value is unknown and the
 * texts of the unsubscribe page and of the client pages.
 */
export interface Catalog {
  emails: Record<EmailKind, EmailMessages>;
  words: { aColleague: string; aClient: string };
  /**
   * One item in a digest (issue 12), a paragraph of its `items`: {itemKind} (chat | signature | approval),
   * {itemTitle}, {accountName}, {sentOn} (a date) and {link}, the last line "Label: {link}".
   */
  digest: { item: string };
  unsubscribe: {
    /** The page's title. */
    title: string;
    /** {category} is one of `categories` (or `several`), {address} the email address. */
    question: string;
    button: string;
    done: string;
    invalid: string;
    /** The line at the foot of each email to a client. */
    footer: string;
    categories: Record<'messages' | 'signatures' | 'approvals' | 'all', string>;
    /**
     * What a digest's link stops when it carries several categories: {topics} is the list of their `topics`
     * (joined by the language's "and"), e.g. "emails about messages and documents to approve".
     */
    several: string;
    topics: Record<'messages' | 'signatures' | 'approvals', string>;
  };
  portal: PortalTexts;
}
