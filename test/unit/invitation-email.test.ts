// The portal invitation email and the invitation expiry rule.
import { renderInvitationEmail, type InvitationEmailInput } from '../../domain/email/invitation-email';
import {
  INVITATION_EXPIRY_DAYS,
  INVITATION_LIMITS,
  invitationEmailKey,
  invitationExpiry,
  invitationWorkflowId,
} from '../../shared/contracts/invitation';

const expiresAt = new Date(Date.UTC(2025, 2, 14, 17, 30, 0));
const input: InvitationEmailInput = {
  firmName: 'Acme CPA',
  contactName: 'Carla Rossi',
  link: 'http://portal.test/invite/tok123',
  expiresAt,
  resend: false,
};

describe('renderInvitationEmail', () => {
  test('subject names the firm; a resend says it is a new link; never "Reminder"', () => {
    expect(renderInvitationEmail(input).subject).toBe('Acme CPA invites you to its client portal');
    expect(renderInvitationEmail({ ...input, resend: true }).subject).toBe(
      'Acme CPA invites you to its client portal (new link)',
    );
    expect(renderInvitationEmail({ ...input, resend: true }).subject).not.toMatch(/reminder/i);
  });

  test('text: greeting, intro, link and expiry in UTC, in that order', () => {
    expect(renderInvitationEmail(input).text).toBe(
      [
        'Hello Carla Rossi,',
        '',
        'Acme CPA invites you to its client portal, where you can exchange messages and documents and sign or approve them.',
        '',
        'Activate your account: http://portal.test/invite/tok123',
        '',
        'This link works once, for 14 days: until March 14, 2025, 5:30 PM UTC.',
      ].join('\n'),
    );
  });

  test('html: the link is an anchor, the expiry is shown', () => {
    const { html } = renderInvitationEmail(input);
    expect(html).toContain('<a href="http://portal.test/invite/tok123">Activate your account</a>');
    expect(html).toContain('<p>Hello Carla Rossi,</p>');
    expect(html).toContain('until March 14, 2025, 5:30 PM UTC.');
  });

  test('no contact name: a plain "Hello,"', () => {
    const m = renderInvitationEmail({ ...input, contactName: '' });
    expect(m.text.split('\n')[0]).toBe('Hello,');
    expect(m.html).toContain('<p>Hello,</p>');
  });

  test('a personal message goes between the intro and the link, line breaks kept', () => {
    const m = renderInvitationEmail({ ...input, message: 'See you soon.\nCarlo' });
    const lines = m.text.split('\n');
    expect(lines.slice(3, 6)).toEqual(['', 'See you soon.', 'Carlo']);
    expect(m.text.indexOf('Carlo')).toBeLessThan(m.text.indexOf('Activate your account'));
    expect(m.html).toContain('<p>See you soon.<br>Carlo</p>');
  });

  test.each([undefined, null, ''])('no message (%p): no message paragraph', (message) => {
    const m = renderInvitationEmail({ ...input, message });
    expect(m.text).toBe(renderInvitationEmail(input).text);
    expect(m.html).not.toMatch(/<p><\/p>/);
  });

  test('escapes HTML in names, message and link, but not in the plain text', () => {
    const m = renderInvitationEmail({
      ...input,
      firmName: 'Smith & <Sons>',
      contactName: '"Bob" O\'Neil',
      message: '<script>alert(1)</script>',
      link: 'http://portal.test/invite?a=1&b="x"',
    });
    expect(m.html).not.toMatch(/<script>|<Sons>/);
    expect(m.html).toContain('Smith &amp; &lt;Sons&gt;');
    expect(m.html).toContain('&quot;Bob&quot; O&#39;Neil');
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m.html).toContain('href="http://portal.test/invite?a=1&amp;b=&quot;x&quot;"');
    expect(m.text).toContain('Smith & <Sons>');
    expect(m.subject).toBe('Smith & <Sons> invites you to its client portal');
  });
});

describe('invitation expiry', () => {
  test('a link expires expiryDays of daySeconds after it was sent', () => {
    const sentAt = Date.UTC(2025, 0, 1);
    expect(invitationExpiry(sentAt, INVITATION_EXPIRY_DAYS, 86400)).toBe(Date.UTC(2025, 0, 15));
    expect(invitationExpiry(sentAt, 1, 86400)).toBe(sentAt + 86_400_000);
  });

  test('test days scale it: 3 days of 0.5 s is 1.5 s', () => {
    expect(invitationExpiry(1000, 3, 0.5)).toBe(2500);
  });

  test('the limits bracket the default', () => {
    expect(INVITATION_EXPIRY_DAYS).toBeGreaterThanOrEqual(INVITATION_LIMITS.minExpiryDays);
    expect(INVITATION_EXPIRY_DAYS).toBeLessThanOrEqual(INVITATION_LIMITS.maxExpiryDays);
  });

  test('workflow id and email keys: one per send, one per resend', () => {
    expect(invitationWorkflowId('inv-1')).toBe('invitation-inv-1');
    expect(invitationEmailKey('inv-1')).toBe('invitation-inv-1:send');
    expect(invitationEmailKey('inv-1', 1)).toBe('invitation-inv-1:resend:1');
    expect(invitationEmailKey('inv-1', 0)).toBe('invitation-inv-1:resend:0');
  });
});
