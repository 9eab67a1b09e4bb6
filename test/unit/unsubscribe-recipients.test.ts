// Emails of category `all` (invitations, GDPR emails): which addresses they skip, and why; and which one-click
// records a change of the toggles makes stale.
import { allCategoryExclusions, unsubscribeCategoriesTurnedOn } from '../../domain/email/unsubscribe';

describe('allCategoryExclusions', () => {
  test('a bounce, then the client’s one-click from all emails; the firm’s notify toggle is not asked', async () => {
    const asked: unknown[] = [];
    const db = {
      emailUnsubscribe: {
        findMany: async (q: { where: { contactEmailId: { in: string[] } } }) => {
          asked.push(q.where.contactEmailId.in);
          return [{ contactEmailId: 'opted-out' }];
        },
      },
    } as never;
    const bounced = new Date('2026-01-02T03:04:05Z');
    const out = await allCategoryExclusions(db, [
      { id: 'on', bouncedAt: null },
      { id: 'opted-out', bouncedAt: null },
      { id: 'bounced', bouncedAt: bounced },
    ]);
    expect([...out]).toEqual([
      ['opted-out', 'unsubscribed'],
      ['bounced', 'bounced'],
    ]);
    expect(asked).toEqual([['on', 'opted-out']]);
    expect((await allCategoryExclusions(db, [{ id: 'b', bouncedAt: bounced }])).get('b')).toBe('bounced');
    expect(asked).toHaveLength(1);
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
