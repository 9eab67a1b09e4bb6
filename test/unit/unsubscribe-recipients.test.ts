// Emails of category `all` (invitations, GDPR emails): who receives them, by the items' recipient rule
// without an item preference; and which one-click records a change of the toggles makes stale.
import { selectAllCategoryRecipients, unsubscribeCategoriesTurnedOn } from '../../domain/email/unsubscribe';
import type { EmailRow } from '../../domain/items/recipient-lookup';

const row = (id: string, over: Partial<EmailRow> = {}): EmailRow => ({
  id,
  contactId: 'contact-1',
  login: 'active',
  notify: true,
  prefDocumentUploads: true,
  prefSignatures: true,
  prefApprovals: true,
  prefMessages: true,
  prefProposals: true,
  prefQuestionnaires: true,
  prefInvoices: true,
  prefClientRequests: true,
  bouncedAt: null,
  ...over,
});

describe('selectAllCategoryRecipients', () => {
  test('the notify toggle and a bounce decide; no item preference does', () => {
    const decision = selectAllCategoryRecipients([
      row('on'),
      row('every-preference-off', {
        prefDocumentUploads: false,
        prefSignatures: false,
        prefApprovals: false,
        prefMessages: false,
        prefProposals: false,
        prefQuestionnaires: false,
        prefInvoices: false,
        prefClientRequests: false,
      }),
      row('notify-off', { notify: false }),
      row('bounced', { bouncedAt: new Date('2026-01-02T03:04:05Z') }),
      row('pending-login', { login: 'pending' }),
    ]);
    expect(decision.recipients.map((r) => r.contactEmailId)).toEqual(['on', 'every-preference-off', 'pending-login']);
    expect(decision.excluded).toEqual([
      { contactEmailId: 'notify-off', contactId: 'contact-1', reason: 'notify_off' },
      { contactEmailId: 'bounced', contactId: 'contact-1', reason: 'bounced' },
    ]);
  });

  test('a bouncing address reads `bounced` even with its notifications off, as for items', () => {
    const decision = selectAllCategoryRecipients([row('both', { notify: false, bounced: true })]);
    expect(decision.excluded).toEqual([{ contactEmailId: 'both', contactId: 'contact-1', reason: 'bounced' }]);
  });
});

describe('unsubscribeCategoriesTurnedOn', () => {
  test('notify on is `all`; a preference switched on is its own category; off and others are not', () => {
    expect(unsubscribeCategoriesTurnedOn({ notify: true })).toEqual(['all']);
    expect(
      unsubscribeCategoriesTurnedOn({
        notify: false,
        preferences: { messages: true, signatures: false, approvals: true, invoices: true },
      }),
    ).toEqual(['messages', 'approvals']);
    expect(unsubscribeCategoriesTurnedOn({})).toEqual([]);
  });
});
