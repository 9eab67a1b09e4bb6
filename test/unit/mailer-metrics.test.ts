// The worker's mailer counts what the mail server did with each email: a refused recipient is a bounce, a
// refused message (content, policy) is not, and a 5xx to the login or sender is a failure that is retried; it
// keeps the wrapped mailer's connection wait.
import type { Mailer } from '../../domain/email/mailer';
import { smtpRefusal } from '../../domain/email/mailer';
import { instrumentMailer } from '../../observability/mailer';
import { registry } from '../../observability/metrics';

const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
const failing = (err: object): Mailer => ({
  send: () => Promise.reject(Object.assign(new Error('refused'), err)),
  verify: () => Promise.resolve(),
  close: () => undefined,
});
type Mail = Parameters<Mailer['send']>[0];
const mail = { from: 'a@firm.test', to: 'c@client.test', subject: 's', text: 't' } as unknown as Mail;

test.each([
  ['a refused recipient', 'bounced', { command: 'RCPT TO', responseCode: 550, response: '550 5.1.1 no such user' }],
  ['a refused message', 'refused', { command: 'DATA', responseCode: 554, response: '554 5.7.1 refused as spam' }],
  ['a refused login', 'failed', { command: 'AUTH PLAIN', responseCode: 535, response: '535 5.7.8 bad credentials' }],
] as const)('%s counts as %s', async (_, outcome, err) => {
  const names = ['bounced', 'refused', 'failed'].map((o) => `nudge_emails_${o}_total`);
  const before = await Promise.all(names.map(value));
  await expect(instrumentMailer(failing(err), smtpRefusal).send(mail)).rejects.toThrow('refused');
  const moved = (await Promise.all(names.map(value))).map((v, i) => v - before[i]);
  expect(moved).toEqual(names.map((n) => (n === `nudge_emails_${outcome}_total` ? 1 : 0)));
});

test('the counting mailer keeps the wrapped one’s connection wait (send-once waits there before its claim)', async () => {
  const held: string[] = [];
  const gated: Mailer = {
    ...failing({}),
    withConnection: async (fn) => {
      held.push('connection');
      return fn();
    },
  };
  const counted = instrumentMailer(gated, smtpRefusal);
  expect(await counted.withConnection!(async () => 'ran')).toBe('ran');
  expect(held).toEqual(['connection']);
  expect(instrumentMailer(failing({}), smtpRefusal).withConnection).toBeUndefined();
});
