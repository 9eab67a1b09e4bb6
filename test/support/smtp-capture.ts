// A real SMTP server on loopback that keeps every message it receives, for asserting on sent mail.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface CapturedMail {
  to: string[];
  raw: string;
  subject: string;
  key: string | null;
  receivedAt: number;
}

export interface SmtpCapture {
  port: number;
  mails: CapturedMail[];
  /** Mails to one address (case-insensitive). */
  to(address: string): CapturedMail[];
  /** Resolves once at least `count` mails matched, or rejects after `timeoutMs`. */
  waitFor(predicate: (m: CapturedMail) => boolean, count?: number, timeoutMs?: number): Promise<CapturedMail[]>;
  /** Rejects the next `n` deliveries with a transient 451 (for retry tests). */
  failNext(n: number): void;
  /** Runs `hook` on each accepted mail just before the server answers 250 (fault tests cut things there). */
  onAccept(hook: ((m: CapturedMail) => void) | null): void;
  close(): Promise<void>;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const mails: CapturedMail[] = [];
  let failures = 0;
  let acceptHook: ((m: CapturedMail) => void) | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failures > 0) {
          failures--;
          const err = Object.assign(new Error('try again later'), { responseCode: 451 });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        // Unfold continuation lines (RFC 5322) so long headers read as one line.
        const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(head)?.[1]?.trim() ?? null;
        const mail: CapturedMail = {
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw,
          subject: header('Subject') ?? '',
          key: header('X-Nudge-Key'),
          receivedAt: Date.now(),
        };
        mails.push(mail);
        acceptHook?.(mail);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    to: (address) => mails.filter((m) => m.to.includes(address.toLowerCase())),
    async waitFor(predicate, count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.filter(predicate);
        if (found.length >= count) return found;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} matching mails, got ${found.length} (of ${mails.length} total)`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    failNext(n) {
      failures = n;
    },
    onAccept(hook) {
      acceptHook = hook;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
