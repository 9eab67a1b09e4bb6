// Reads a captured email as a person would: its decoded subject (RFC 2047 encoded words), headers and
// plain-text part (quoted-printable or base64), for tests that check wording in other languages.
import type { CapturedMail } from './smtp-capture';

const unfold = (head: string) => head.replace(/\r?\n[ \t]+/g, ' ');

/** A header of the message's top part, unfolded, undecoded (e.g. List-Unsubscribe). */
export function header(mail: CapturedMail, name: string): string | null {
  const head = unfold(mail.raw.split(/\r?\n\r?\n/, 1)[0]);
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(head)?.[1]?.trim() ?? null;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export const subjectOf = (mail: CapturedMail) => decodeWords(header(mail, 'Subject') ?? '');

/** The decoded text/plain part. */
export function textOf(mail: CapturedMail): string {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(mail.raw)?.[1];
  const end = boundary ? `\\r?\\n--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` : '$';
  const m = new RegExp(
    `Content-Type: text/plain[^\\r\\n]*\\r?\\n((?:[^\\r\\n]+\\r?\\n)*)\\r?\\n([\\s\\S]*?)${end}`,
    'i',
  ).exec(mail.raw);
  if (!m) throw new Error(`no text part in ${mail.subject}`);
  const encoding = /Content-Transfer-Encoding:\s*([\w-]+)/i.exec(m[1])?.[1]?.toLowerCase();
  if (encoding === 'base64') return Buffer.from(m[2].replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(m[2]).replace(/\r\n/g, '\n');
  return m[2].replace(/\r\n/g, '\n');
}
