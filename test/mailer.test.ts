// The mailer on a real SMTP server on loopback: what it hands the session arrives byte for byte, a long
// message (many stream chunks, now written as one) and lines that SMTP must dot-stuff included.
import { createMailer, type Mailer } from '../domain/email/mailer';
import { startSmtpCapture, type SmtpCapture } from './support/smtp-capture';

let smtp: SmtpCapture;
let mailer: Mailer;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  mailer = createMailer({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'Nudge <no-reply@nudge.test>' });
});

afterAll(async () => {
  mailer.close();
  await smtp.close();
});

// Short ASCII lines, so the text part goes as 7bit and reads in the raw message as written.
const body = (tag: string) =>
  Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? `.${tag} line ${i}` : `${tag} line ${i}`))
    .concat(['.', '..', `${tag} end`])
    .join('\r\n');

test('a long message, its calendar part and its dot-led lines arrive whole, twice on the pooled connection', async () => {
  const sent = [];
  for (const tag of ['first', 'second']) {
    sent.push(
      await mailer.send({
        to: `${tag}@client.test`,
        subject: `Mailer ${tag}`,
        text: body(tag),
        html: `<p>${tag}</p>`,
        messageId: `<${tag}@nudge>`,
        headers: { 'X-Nudge-Key': `key-${tag}` },
        icalEvent: { method: 'REQUEST', content: `BEGIN:VCALENDAR\r\nSUMMARY:${tag}\r\nEND:VCALENDAR` },
      }),
    );
  }
  expect(sent).toEqual([{ messageId: '<first@nudge>' }, { messageId: '<second@nudge>' }]);
  const mails = await smtp.waitFor((m) => m.subject.startsWith('Mailer '), 2);
  for (const tag of ['first', 'second']) {
    const mail = mails.find((m) => m.subject === `Mailer ${tag}`)!;
    expect(mail.to).toEqual([`${tag}@client.test`]);
    expect(mail.key).toBe(`key-${tag}`);
    expect(mail.raw).toMatch(new RegExp(`^Message-ID: <${tag}@nudge>\\r$`, 'mi'));
    expect(mail.raw.length).toBeGreaterThan(64 * 1024); // more than one stream chunk
    expect(mail.raw).toContain(`\r\n\r\n${body(tag)}\r\n`);
    expect(mail.raw).toContain(`<p>${tag}</p>`);
    expect(mail.raw).toMatch(/^Content-Type: text\/calendar; charset=utf-8; method=REQUEST\r$/im);
    expect(mail.raw).toContain(`\r\nSUMMARY:${tag}\r\n`);
  }
});
