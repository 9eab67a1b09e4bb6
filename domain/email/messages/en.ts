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
    several: 'emails about {topics}',
    topics: { messages: 'messages', signatures: 'documents to sign', approvals: 'documents to approve' },
  },
  portal: {
    title: 'Nudge client pages',
    landing: 'Open the link in the email your accountant sent you to see what they are waiting for.',
    hello: 'Hello {name}.',
    status: {
      open: 'Open',
      archived: 'Closed',
      pending: 'Waiting for you',
      waitingForOthers: 'Waiting for other signers',
      approved: 'Approved',
      signed: 'Signed',
      cancelled: 'Withdrawn',
    },
    done: {
      replied: 'Your reply has been sent.',
      approved: 'Thank you: the document is approved.',
      signed: 'Thank you: your signature is recorded.',
    },
    reply: { label: 'Your reply', button: 'Send reply', closed: 'This conversation is closed.' },
    approve: { ask: '{firmName} asks you to review and approve this document.', button: 'Approve' },
    sign: {
      ask: '{firmName} asks you to sign this document.',
      button: 'Mark as signed',
      signed: 'signed',
      notSigned: 'not signed yet',
      you: 'you',
    },
    invitation: {
      title: 'Portal invitation',
      heading: '{firmName} invites you',
      body: 'Hello {contactName}, {firmName} invites you to its client portal with {address}.',
      button: 'Accept invitation',
      activeHeading: 'You already have access',
      activeBody: 'The portal access for {address} is already active.',
    },
    activation: {
      title: 'Activate your account',
      body: 'Hello {contactName}, activate the portal access of {address} at {firmName}.',
      button: 'Activate',
      activeHeading: 'Your account is active',
      activeBody: '{address} has access to the portal of {firmName}.',
    },
    accepted: { title: 'Welcome', notice: 'Your account is active.', accounts: 'Your accounts:' },
    errors: {
      'portal-link-invalid': {
        title: 'This link is not valid',
        detail:
          'The link is incomplete or has been changed. Open it again from your email, or ask the firm to send it again.',
      },
      'portal-link-wrong-purpose': {
        title: 'This link is for something else',
        detail: 'The link does not allow this action. Open the page again from the link in your email.',
      },
      'portal-link-expired': {
        title: 'This link has expired',
        detail: 'Links in emails work for a limited time. Ask the firm to send you a new one.',
      },
      'portal-link-revoked': {
        title: 'This link no longer works',
        detail: 'The link was sent before something changed at the firm. Use a more recent email from the firm.',
      },
      'invitation-invalid': {
        title: 'Invitation link not valid',
        detail: 'This invitation link is unknown or has been replaced by a newer one. Use the newest invitation email.',
      },
      'invitation-revoked': { title: 'Invitation withdrawn', detail: 'The firm has withdrawn this invitation.' },
      'invitation-expired': {
        title: 'Invitation expired',
        detail: 'This invitation has expired; ask the firm for a new one.',
      },
      'invitation-already-accepted': {
        title: 'Invitation already accepted',
        detail: 'This invitation link has already been used.',
      },
      'activation-unavailable': {
        title: 'No invitation to accept',
        detail:
          'Your portal invitation has expired, been withdrawn or not been sent yet. Ask the firm to invite you again.',
      },
      'validation-error': { title: 'Please check your input', detail: 'Open the page again and send the form.' },
      'empty-message': { title: 'Please check your input', detail: 'Write a message before sending it.' },
      'message-too-long': { title: 'Please check your input', detail: 'The message is too long.' },
      'not-found': { title: 'Page not found', detail: 'There is no such page.' },
      'unreadable-form': { title: 'The form could not be read', detail: 'Please try again from the page.' },
      busy: { title: 'Please try again shortly', detail: 'The service is busy; try again in a minute.' },
      unexpected: { title: 'Something went wrong', detail: 'Please try again later.' },
      other: {
        title: 'This could not be done',
        detail: 'Open the page again from the link in your email to see where things stand.',
      },
    },
  },
};
