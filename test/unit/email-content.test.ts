import { renderItemEmail } from '../../domain/email/item-email';

const input = {
  firmName: 'Acme CPA',
  accountName: 'Rossi Family',
  itemKind: 'approval' as const,
  itemTitle: 'Tax return',
  dispatchKind: 'reminder' as const,
  link: 'http://portal/x',
};

test('names the firm, the account, the item and the link', () => {
  const m = renderItemEmail(input);
  expect(m.subject).toBe('Reminder from Acme CPA: Tax return');
  for (const part of ['Acme CPA', 'Rossi Family', 'Tax return', 'http://portal/x']) {
    expect(m.text).toContain(part);
    expect(m.html).toContain(part);
  }
});

test('escapes HTML in names and messages', () => {
  const m = renderItemEmail({ ...input, accountName: '<script>x</script>', message: 'a & b' });
  expect(m.html).not.toContain('<script>');
  expect(m.html).toContain('a &amp; b');
});

test('a pending login gets the activation banner', () => {
  expect(renderItemEmail({ ...input, activationLink: 'http://portal/activate' }).html).toMatch(/Activate your account/);
  expect(renderItemEmail(input).html).not.toMatch(/Activate your account/);
});
