// A permanent SMTP refusal (5xx), end to end: the address is marked bouncing, later reminders skip it and
// the explainer says `bounced`, the firm's inbox is told, and editing the address clears it.
import { useStackWithFirm, remindersTo, eventually, type Stack, type FirmHandle } from './support/stack';
import { accountWithContacts } from './support/fixtures';

const ctx = useStackWithFirm({ daySeconds: 1 });
let stack: Stack;
let firm: FirmHandle;
beforeAll(() => ({ stack, firm } = ctx));

test('a 5xx marks the address bouncing; reminders and the explainer exclude it until the address is edited', async () => {
  const acc = await accountWithContacts(firm, [{}, {}]);
  const [bouncing, fine] = acc.contacts;
  // The mail server refuses one mailbox for good (the capture server itself only knows 451s).
  const send = stack.mailer.send.bind(stack.mailer);
  stack.mailer.send = async (m) => {
    if (m.to === bouncing.address)
      throw Object.assign(new Error('550 5.1.1 mailbox unavailable'), { responseCode: 550 });
    return send(m);
  };
  try {
    const doc = await firm.call('POST', `/v1/accounts/${acc.accountId}/documents`, { name: 'Tax return 2025' });
    const req = await firm.call('POST', `/v1/documents/${doc.body.id}/approval-requests`, {
      reminders: { enabled: true, intervalDays: 1, count: 2 },
    });
    expect(req.status).toBe(201);
    await eventually(async () => remindersTo(stack.smtp, fine.address).length === 2, 15_000, 'two reminders');
    expect(stack.smtp.to(bouncing.address)).toHaveLength(0);

    const bounced = await stack.db.contactEmail.findUniqueOrThrow({ where: { id: bouncing.emailId } });
    expect(bounced.bouncedAt).toBeInstanceOf(Date);
    expect(bounced.bounceReason).toMatch(/550/);
    // Refused once (the notification); the reminders did not try it again.
    expect(await stack.db.outboundEmail.count({ where: { contactEmailId: bouncing.emailId, status: 'failed' } })).toBe(
      1,
    );
    expect(await stack.db.outboundEmail.count({ where: { contactEmailId: bouncing.emailId } })).toBe(1);

    const state = await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`);
    expect(state.status).toBe(200);
    const byId = Object.fromEntries(state.body.recipients.map((r: any) => [r.contactEmailId, r]));
    expect(byId[bouncing.emailId]).toMatchObject({ included: false, reason: 'bounced' });
    expect(byId[bouncing.emailId].bounceReason).toMatch(/550/);
    expect(Date.parse(byId[bouncing.emailId].bouncedAt)).toBe(bounced.bouncedAt!.getTime());
    expect(byId[fine.emailId]).toMatchObject({ included: true, reason: null });

    const inbox = await firm.call('GET', '/v1/inbox');
    expect(inbox.status).toBe(200);
    const notice = inbox.body.items.find((n: any) => n.kind === 'contact_email.bounced');
    expect(notice).toBeDefined();
    expect(notice.data).toMatchObject({ contactEmailId: bouncing.emailId });

    // A new address clears the bounce.
    const newAddress = bouncing.address.replace('client-', 'fixed-');
    const patch = await firm.call('PATCH', `/v1/contact-emails/${bouncing.emailId}`, { address: newAddress });
    expect(patch.status).toBe(200);
    expect(await stack.db.contactEmail.findUniqueOrThrow({ where: { id: bouncing.emailId } })).toMatchObject({
      address: newAddress,
      bouncedAt: null,
      bounceReason: null,
    });
    const after = await firm.call('GET', `/v1/approval-requests/${req.body.id}/reminders`);
    expect(after.body.recipients.find((r: any) => r.contactEmailId === bouncing.emailId)).toMatchObject({
      included: true,
      reason: null,
    });
  } finally {
    stack.mailer.send = send;
  }
});
