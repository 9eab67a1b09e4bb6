// English: Nudge's reference texts (ICU MessageFormat; see kinds.ts for the values each may use).
import type { Catalog } from './kinds';

const WHAT =
  '{itemKind, select, chat {a message} signature {a document to sign} approval {a document to approve} other {an item}}';
const TO_DO =
  '{itemKind, select, chat {read and reply to the message} signature {sign the document} approval {review and approve the document} other {look at it}}';

export const en: Catalog = {
  emails: {
    item_notification: {
      subject: `{firmName} sent you ${WHAT}: {itemTitle}`,
      body: `{firmName} sent you ${WHAT} for {accountName}: "{itemTitle}".\n\n{message}\n\nOpen it in your portal: {link}`,
    },
    item_reminder: {
      subject: 'Reminder from {firmName}: {itemTitle}',
      body:
        `{firmName} is still waiting for you to ${TO_DO} for {accountName}: "{itemTitle}".\n\n` +
        'We sent it on {sentOn, date, long}{daysWaiting, plural, =0 {.} one { (# day ago).} other { (# days ago).}}\n\n' +
        '{message}\n\nOpen it in your portal: {link}',
    },
    item_manual_resend: {
      subject: 'Reminder from {firmName}: {itemTitle}',
      body: `{firmName} is still waiting for you to ${TO_DO} for {accountName}: "{itemTitle}".\n\n{message}\n\nOpen it in your portal: {link}`,
    },
    activation_banner: {
      subject: 'Activate your account',
      body: 'You need an active account to respond. Activate it here: {link}',
    },
    invitation: {
      subject: '{firmName} invites you to its client portal{resend, select, yes { (new link)} other {}}',
      body:
        '{named, select, yes {Hello {contactName},} other {Hello,}}\n\n' +
        '{firmName} invites you to its client portal, where you can exchange messages and documents and sign or approve them.\n\n' +
        '{message}\n\n' +
        'Activate your account: {link}\n\n' +
        'This link works once, for {validDays, plural, one {# day} other {# days}}: until {expiresAt, date, long}, {expiresAt, time, short}.',
    },
    note_participant: {
      subject: 'Note about {about}',
      body: '{authorName} added you to a note about {about}:\n\n{body}',
    },
    note_comment: {
      subject: 'New comment on a note about {about}',
      body: '{authorName} commented on a note about {about}:\n\n{body}',
    },
    note_calendar: {
      subject: 'Calendar: note about {about}',
      body: 'Calendar entry for your note about {about}:\n\n{body}',
    },
    digest: {
      subject: 'Reminder from {firmName}: {itemCount, plural, one {# item is} other {# items are}} waiting for you',
      body: '{firmName} is still waiting for you on {itemCount, plural, one {one item} other {# items}}:\n\n{items}',
    },
  },
  words: { aColleague: 'A colleague', aClient: 'a client' },
  digest: {
    item: '{itemKind, select, chat {Message} signature {Document to sign} approval {Document to approve} other {Item}} for {accountName}: "{itemTitle}", sent on {sentOn, date, long}.\nOpen it in your portal: {link}',
  },
  unsubscribe: {
    title: 'Unsubscribe',
    question: 'Stop receiving {category} at {address}?',
    button: 'Unsubscribe',
    done: 'Done: {address} will no longer receive {category}. If you change your mind, your firm can undo this.',
    invalid: 'This unsubscribe link is not valid or has expired. Use the link in a more recent email.',
    footer: 'Don’t want these emails? Unsubscribe: {unsubscribeUrl}',
    categories: {
      messages: 'emails about messages',
      signatures: 'emails about documents to sign',
      approvals: 'emails about documents to approve',
      all: 'notifications and reminders',
    },
  },
};
