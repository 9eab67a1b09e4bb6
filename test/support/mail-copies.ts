// Copies of one logical email in the SMTP capture: mails grouped by their X-Nudge-Key (the send-once log's
// idempotency key), with each copy's Message-ID, so a fault test can count resent copies and check that
// every copy carries the Message-ID of the first (mail clients fold such copies into one).
import type { CapturedMail } from './smtp-capture';

/** The Message-ID header of a captured mail, or null. */
export function messageIdOf(mail: CapturedMail): string | null {
  const head = mail.raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  return /^Message-ID:\s*(.*)$/im.exec(head)?.[1]?.trim() ?? null;
}

export interface ResentCopies {
  /** Logical emails (distinct keys). */
  keys: number;
  /** Copies beyond the first, over all keys. */
  extraCopies: number;
  /** Keys sent more than once, with the Message-IDs of their copies in order. */
  resent: { key: string; messageIds: (string | null)[] }[];
  /** Keys whose copies do not all carry the first copy's Message-ID. */
  mismatchedMessageIds: number;
}

export function resentCopies(mails: CapturedMail[]): ResentCopies {
  const byKey = new Map<string, CapturedMail[]>();
  for (const m of mails) {
    const key = m.key ?? '(no key)';
    byKey.set(key, [...(byKey.get(key) ?? []), m]);
  }
  const resent = [...byKey]
    .filter(([, copies]) => copies.length > 1)
    .map(([key, copies]) => ({ key, messageIds: copies.map(messageIdOf) }));
  return {
    keys: byKey.size,
    extraCopies: mails.length - byKey.size,
    resent,
    mismatchedMessageIds: resent.filter((r) => r.messageIds.some((id) => !id || id !== r.messageIds[0])).length,
  };
}
