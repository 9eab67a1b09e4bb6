// personalise(): the placeholders of a bulk "send message" chat template.
import { personalise } from '../../domain/bulk/account-steps';

const values = { accountName: 'Rossi Family', firmName: 'Acme CPA' };

test('replaces {{accountName}} and {{firmName}}, every occurrence', () => {
  expect(personalise('Dear {{accountName}}, from {{firmName}}. Again: {{accountName}}.', values)).toBe(
    'Dear Rossi Family, from Acme CPA. Again: Rossi Family.',
  );
});

test('spaces inside the braces are allowed', () => {
  expect(personalise('{{ accountName }}|{{firmName   }}|{{  firmName}}', values)).toBe(
    'Rossi Family|Acme CPA|Acme CPA',
  );
});

test('unknown placeholders stay as written', () => {
  expect(personalise('Hi {{clientName}} / {{ accountname }}', values)).toBe('Hi {{clientName}} / {{ accountname }}');
});

test.each(['{accountName}', '{{account-name}}', '{{account name}}', '{{}}', '{{ }}', '{{accountName', 'accountName}}'])(
  '%j is not a placeholder',
  (t) => {
    expect(personalise(t, values)).toBe(t);
  },
);

test('triple braces: the inner placeholder is replaced, the outer braces stay', () => {
  expect(personalise('{{{accountName}}}', values)).toBe('{Rossi Family}');
});

test('values are inserted literally: no $-patterns, no re-expansion', () => {
  expect(personalise('{{accountName}}', { accountName: '$& $1 $$ {{firmName}}', firmName: 'X' })).toBe(
    '$& $1 $$ {{firmName}}',
  );
});

test('an empty value replaces the placeholder with nothing', () => {
  expect(personalise('[{{accountName}}]', { accountName: '' })).toBe('[]');
});

test('no placeholders: the text is returned unchanged, line breaks and all', () => {
  const t = 'Line 1\n\nLine 2 — ünïcödé';
  expect(personalise(t, values)).toBe(t);
});

// Known defect, recorded rather than fixed here (domain/bulk/account-steps.ts is not this change's file):
// `values[key] ?? whole` reads inherited properties, so {{constructor}} or {{toString}} in a template turns
// into "function Object() { [native code] }". When it is fixed (e.g. Object.hasOwn), make this a plain test.
test.failing('names of Object.prototype members are unknown placeholders too', () => {
  expect(personalise('{{constructor}} {{toString}}', values)).toBe('{{constructor}} {{toString}}');
});
