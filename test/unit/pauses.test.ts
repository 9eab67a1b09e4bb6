import { leaveOutPaused, pausedUntil, type ActivePauses } from '../../domain/items/pauses';

const at = (ms: number) => new Date(ms);
const pauses = (item: number | null, contacts: Record<string, number> = {}): ActivePauses => ({
  item: item === null ? null : at(item),
  contacts: new Map(Object.entries(contacts).map(([id, t]) => [id, at(t)])),
});

describe('pausedUntil', () => {
  test('nothing paused: not held', () => {
    expect(pausedUntil(pauses(null), ['a', 'b'])).toBeNull();
  });
  test('the item’s own pause holds it, whoever receives it', () => {
    expect(pausedUntil(pauses(5000), ['a'])).toBe(5000);
    expect(pausedUntil(pauses(5000), [])).toBe(5000);
  });
  test('contacts hold it only when every recipient is paused, until the first is back', () => {
    expect(pausedUntil(pauses(null, { a: 7000 }), ['a', 'b'])).toBeNull();
    expect(pausedUntil(pauses(null, { a: 7000, b: 4000 }), ['a', 'b', 'b'])).toBe(4000);
    expect(pausedUntil(pauses(null, { a: 7000 }), [])).toBeNull();
  });
  test('both: the later of the two', () => {
    expect(pausedUntil(pauses(3000, { a: 7000 }), ['a'])).toBe(7000);
    expect(pausedUntil(pauses(9000, { a: 7000 }), ['a'])).toBe(9000);
  });
});

describe('leaveOutPaused', () => {
  const decision = {
    recipients: [
      { contactEmailId: 'e1', contactId: 'a', activationBanner: false },
      { contactEmailId: 'e2', contactId: 'b', activationBanner: true },
    ],
    excluded: [{ contactEmailId: 'e3', contactId: 'c', reason: 'notify_off' as const }],
  };
  test('a paused contact moves to the excluded with reason paused', () => {
    expect(leaveOutPaused(decision, new Map([['a', at(1)]]))).toEqual({
      recipients: [decision.recipients[1]],
      excluded: [...decision.excluded, { contactEmailId: 'e1', contactId: 'a', reason: 'paused' }],
    });
  });
  test('nobody paused: the decision as it was', () => {
    expect(leaveOutPaused(decision, new Map())).toBe(decision);
  });
});
