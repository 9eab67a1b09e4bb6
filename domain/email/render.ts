// Renders Nudge's emails from ICU MessageFormat texts (intl-messageformat): the catalog's for the language,
// or the firm's own for that kind and language. Plurals, dates and times follow the language's rules. The
// texts are plain text; the HTML part is derived from the rendered text (escaped, paragraphs, links), so a
// value can never inject markup and a firm's override needs no HTML. Pure: no database, unit-testable.
import { IntlMessageFormat, type Formatters } from 'intl-messageformat';
import { escapeHtml } from './text';
import {
  CATALOGS,
  EMAIL_VARIABLES,
  LANGUAGES,
  type Catalog,
  type EmailKind,
  type EmailMessages,
  type Language,
} from './messages';

export type MessageValues = Record<string, string | number | Date>;

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Where a text fails to compile (from the ICU parser), 1-based line and column, 0-based offset. */
export interface TemplatePosition {
  offset: number;
  line: number;
  column: number;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly position: TemplatePosition | null,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Dates and times in the catalogs: long dates, short times (in the recipient's zone, named: formattersIn). */
const FORMATS = {
  date: { long: { year: 'numeric', month: 'long', day: 'numeric' } as const },
  time: { short: { hour: 'numeric', minute: '2-digit' } as const },
};

/**
 * Every date and time of a text in `timeZone`, whatever its style: a firm's own text may use any (`{x, date,
 * short}`, `{x, time}`, a skeleton), and only the styles given in FORMATS would carry the zone otherwise. A
 * time of day names its zone, since no zone is implied. Each Intl object is made once per text, as the
 * library's own formatters do.
 */
function formattersIn(timeZone: string): Formatters {
  const made = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.PluralRules>();
  const once = <T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.PluralRules>(
    key: string,
    make: () => T,
  ): T => {
    const hit = made.get(key);
    if (hit) return hit as T;
    const value = make();
    made.set(key, value);
    return value;
  };
  return {
    getNumberFormat: (locales, options) =>
      once(
        `number ${JSON.stringify([locales, options])}`,
        () =>
          // The library types the options of a newer ECMAScript than our lib (useGrouping 'auto', …).
          new Intl.NumberFormat(locales, options as Intl.NumberFormatOptions),
      ),
    getPluralRules: (locales, options) =>
      once(`plural ${JSON.stringify([locales, options])}`, () => new Intl.PluralRules(locales, options)),
    getDateTimeFormat: (locales, options = {}) =>
      once(
        `date ${JSON.stringify([locales, options])}`,
        () =>
          new Intl.DateTimeFormat(locales, {
            ...options,
            timeZone,
            ...(options.hour !== undefined && !options.timeZoneName && !options.timeStyle
              ? { timeZoneName: 'short' }
              : {}),
          }),
      ),
  };
}

const compiled = new Map<string, IntlMessageFormat>();
const MAX_CACHED = 2_000;

/**
 * Compiles one text; `ignoreTag`: the texts are plain text, so `<` is a character, not rich-text markup.
 * A parse failure becomes a TemplateError with the parser's position.
 */
export function compileMessage(source: string, language: Language, timeZone = 'UTC'): IntlMessageFormat {
  const key = `${language}\u0000${timeZone}\u0000${source}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  let message: IntlMessageFormat;
  try {
    message = new IntlMessageFormat(source, language, FORMATS, { ignoreTag: true, formatters: formattersIn(timeZone) });
  } catch (err) {
    const e = err as { message?: string; location?: { start: TemplatePosition } };
    const start = e.location?.start;
    throw new TemplateError(
      parserMessage(e.message),
      start ? { offset: start.offset, line: start.line, column: start.column } : null,
    );
  }
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(key, message);
  return message;
}

/** The parser reports a code (MALFORMED_ARGUMENT, …); say it in words. */
function parserMessage(code: string | undefined): string {
  const words = (code ?? 'INVALID').toLowerCase().replace(/_/g, ' ');
  return `not a valid ICU message: ${words}`;
}

export function formatMessage(source: string, language: Language, values: MessageValues, timeZone = 'UTC'): string {
  const out = compileMessage(source, language, timeZone).format(values);
  return Array.isArray(out) ? out.join('') : String(out);
}

interface AstNode {
  type: number;
  value?: unknown;
  location?: { start: TemplatePosition };
  options?: Record<string, { value: AstNode[] }>;
  children?: AstNode[];
}

/** Every argument a compiled text names, with where it is named (for "unknown variable" errors). */
function argumentsOf(nodes: AstNode[], out: { name: string; at: TemplatePosition | null }[] = []) {
  for (const n of nodes) {
    // Literal (0) and pound (7) name nothing; every other element names an argument in `value`.
    if (n.type !== 0 && n.type !== 7 && typeof n.value === 'string')
      out.push({ name: n.value, at: n.location?.start ?? null });
    for (const option of Object.values(n.options ?? {})) argumentsOf(option.value, out);
    if (n.children) argumentsOf(n.children, out);
  }
  return out;
}

/** An offset in a text as the parser reports positions. */
function positionAt(source: string, offset: number): TemplatePosition {
  const lines = source.slice(0, offset).split('\n');
  return { offset, line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** Where `{name` first appears (the compiled message keeps no locations). */
function positionOfArgument(source: string, name: string): TemplatePosition | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`\\{\\s*${escaped}\\s*[,}]`).exec(source);
  return match ? positionAt(source, match.index) : null;
}

/**
 * A straight apostrophe right before `{`, `}`, `<`, `>` or `#` opens quoted text in ICU MessageFormat, up
 * to the next apostrophe: "Rappel d'{firmName}" would show "Rappel d{firmName}". French and Italian elisions
 * are typed so, and such a text compiles and formats, so it is refused here. `''` is an apostrophe.
 */
function quotingApostrophe(source: string): TemplateError | null {
  for (const match of source.matchAll(/''|'[{}<>#]/g)) {
    if (match[0] === "''") continue;
    return new TemplateError(
      `an apostrophe before ${match[0][1]} starts quoted text in ICU MessageFormat: write ’ (or '' for a straight one)`,
      positionAt(source, match.index),
    );
  }
  return null;
}

/**
 * Checks a firm's text for one kind before it is saved: it must have no apostrophe that quotes, compile,
 * name only the kind's values, and format with sample values (a `plural` over a text value, say, fails
 * here rather than at send).
 */
export function checkMessage(kind: EmailKind, language: Language, source: string): TemplateError | null {
  const quoting = quotingApostrophe(source);
  if (quoting) return quoting;
  let message: IntlMessageFormat;
  try {
    message = compileMessage(source, language);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  const allowed = EMAIL_VARIABLES[kind];
  const unknown = argumentsOf(message.getAst() as unknown as AstNode[]).find((a) => !allowed.includes(a.name));
  if (unknown)
    return new TemplateError(
      `unknown value {${unknown.name}}; this email may use ${allowed.map((v) => `{${v}}`).join(', ')}`,
      unknown.at ?? positionOfArgument(source, unknown.name),
    );
  for (const values of sampleVariants(sampleValues(kind, CATALOGS[language]))) {
    try {
      message.format(values);
    } catch (err) {
      return new TemplateError(`cannot be formatted with sample values: ${(err as Error).message}`, null);
    }
  }
  return null;
}

/** Every value a `select` may branch on, and a message both absent and present (a date of it would throw). */
const VARIANTS: Record<string, (string | number)[]> = {
  itemKind: ['chat', 'signature', 'approval'],
  named: ['yes', 'no'],
  resend: ['yes', 'no'],
  message: ['', 'Please sign by Friday.'],
  daysWaiting: [0, 1, 3],
  reminderNumber: [1, 2],
  validDays: [1, 14],
  itemCount: [1, 2],
  accountCount: [1, 2],
};

/** The sample values in every combination of the variants of the values the kind has (at most a few dozen). */
function sampleVariants(base: MessageValues): MessageValues[] {
  let out = [base];
  for (const [key, options] of Object.entries(VARIANTS)) {
    if (!(key in base)) continue;
    out = out.flatMap((v) => options.map((o) => ({ ...v, [key]: o })));
  }
  return out;
}

/** Values for previews and for checking a firm's text: every value the kind may use. */
export function sampleValues(kind: EmailKind, catalog: Catalog = CATALOGS.en): MessageValues {
  const now = Date.UTC(2026, 2, 14, 9, 30);
  const item = {
    firmName: 'Studio Rossi',
    accountName: 'Bianchi family',
    itemKind: 'approval',
    itemTitle: '2025 tax return',
    link: 'https://portal.example/accounts/sample/approval/sample',
    message: '',
    sentOn: new Date(now - 3 * 86_400_000),
    daysWaiting: 3,
  };
  switch (kind) {
    case 'item_notification':
    case 'item_manual_resend':
      return item;
    case 'item_reminder':
      return { ...item, reminderNumber: 2 };
    case 'activation_banner':
      return { firmName: item.firmName, link: 'https://portal.example/activate' };
    case 'invitation':
      return {
        firmName: item.firmName,
        contactName: 'Anna Bianchi',
        named: 'yes',
        link: 'https://portal.example/invitations/accept?token=sample',
        message: '',
        expiresAt: new Date(now + 14 * 86_400_000),
        validDays: 14,
        resend: 'no',
      };
    case 'note_participant':
    case 'note_comment':
    case 'note_calendar':
      return { authorName: catalog.words.aColleague, about: 'Bianchi family', body: 'Call back about the receipts.' };
    case 'digest': {
      const language = LANGUAGES.find((l) => CATALOGS[l] === catalog) ?? 'en';
      const items = [
        { ...item, itemKind: 'chat', itemTitle: 'Receipts 2025', link: 'https://portal.example/accounts/a/chat/1' },
        { ...item, accountName: 'Bianchi Srl', link: 'https://portal.example/accounts/b/approval/2' },
      ];
      return { firmName: item.firmName, itemCount: 2, accountCount: 2, items: formatDigestItems(language, items) };
    }
  }
}

/** A digest's `items` (issue 12): each item a paragraph in the language's `digest.item` text. */
export function formatDigestItems(language: Language, items: MessageValues[], timeZone = 'UTC'): string {
  return items.map((i) => formatMessage(CATALOGS[language].digest.item, language, i, timeZone)).join('\n\n');
}

/** The texts for a kind: the firm's own for this language if it has them, else the catalog's. */
export const messagesFor = (kind: EmailKind, language: Language, override?: EmailMessages | null): EmailMessages =>
  override ?? CATALOGS[language].emails[kind];

/** Blank paragraphs (an empty optional value) disappear; lines lose trailing spaces. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Plain text as HTML paragraphs. A line "Label: <link>" whose link is one of `links` becomes an anchor
 * labelled "Label"; any other occurrence of a link becomes an anchor showing the address.
 */
export function textToHtml(text: string, links: readonly string[]): string {
  const urls = [...new Set(links.filter(Boolean))].sort((a, b) => b.length - a.length);
  const anchor = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
  const line = (l: string) => {
    for (const url of urls) {
      if (l.endsWith(url)) {
        const label = l
          .slice(0, -url.length)
          .replace(/[\s\u00a0]*:[\s\u00a0]*$/, '')
          .trim();
        // Only the last sentence is the link's label ("… to respond. Activate it here: <link>").
        const cut = Math.max(...['. ', '! ', '? '].map((end) => label.lastIndexOf(end) + end.length - 1));
        const [lead, last] = cut > 0 ? [label.slice(0, cut + 1), label.slice(cut + 1).trim()] : ['', label];
        if (last && !label.includes(url)) return `${escapeHtml(lead)}${anchor(url, last)}`;
      }
    }
    let out = escapeHtml(l);
    for (const url of urls) out = out.split(escapeHtml(url)).join(anchor(url, url));
    return out;
  };
  return text
    .split(/\n{2,}/)
    .map((p) => `<p>${p.split('\n').map(line).join('<br>')}</p>`)
    .join('\n');
}

export interface RenderOptions {
  override?: EmailMessages | null;
  timeZone?: string;
  /** Values that are links (made anchors in the HTML part). */
  links?: readonly string[];
}

/** One kind of email in one language: subject (one line), plain text and HTML. */
export function renderEmailKind(
  kind: EmailKind,
  language: Language,
  values: MessageValues,
  opts: RenderOptions = {},
): RenderedEmail {
  if (opts.override) {
    // A firm's text passed the save check with sample values; should these values still break it, the email
    // goes with the built-in text rather than failing its send over and over.
    try {
      return renderTexts(opts.override, language, values, opts);
    } catch {
      // the catalog's below
    }
  }
  return renderTexts(messagesFor(kind, language), language, values, opts);
}

function renderTexts(texts: EmailMessages, language: Language, values: MessageValues, opts: RenderOptions) {
  const subject = formatMessage(texts.subject, language, values, opts.timeZone)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  const text = tidy(formatMessage(texts.body, language, values, opts.timeZone));
  return { subject, text, html: textToHtml(text, opts.links ?? []) };
}
