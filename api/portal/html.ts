// HTML for the client pages, escaped by construction: `html` is a template tag that escapes every
// interpolated value unless it is already HTML made by `html` itself, so a client's name or message can
// never become markup. The page layout and its security headers are here too.
import type { Response } from 'express';
import { escapeHtml } from '../../domain/email/text';

export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

type Part = Html | string | number | null | undefined | false | Part[];

const render = (v: Part): string =>
  v instanceof Html
    ? v.value
    : Array.isArray(v)
      ? v.map(render).join('')
      : v == null || v === false
        ? ''
        : escapeHtml(String(v));

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

/** Plain text with its line breaks kept. */
export const multiline = (text: string) => new Html(escapeHtml(text).replace(/\r?\n/g, '<br>'));

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
header{color:#666;font-size:.9rem;border-bottom:1px solid #ddd;padding-bottom:.5rem;margin-bottom:1rem}
.msg{border:1px solid #e3e3e3;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.msg.client{background:#f3f8ff}.msg .who{font-size:.8rem;color:#666}
.notice{background:#e8f6ec;border:1px solid #b9e2c5;border-radius:6px;padding:.6rem .8rem}
.problem{background:#fff4d6;border:1px solid #f0d98c;border-radius:6px;padding:.6rem .8rem}
textarea{width:100%;min-height:6rem;box-sizing:border-box;font:inherit}
button{font:inherit;padding:.45rem 1rem;border-radius:4px;border:1px solid #2b5fb3;background:#2f6fd6;color:#fff;cursor:pointer}
.status{display:inline-block;font-size:.8rem;padding:.1rem .5rem;border-radius:3px;background:#eee}
`;

export function page(language: string, title: string, body: Html, heading: Part): Html {
  return html`<!doctype html>
    <html lang="${language}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <header>${heading}</header>
        <main>${body}</main>
      </body>
    </html>`;
}

/**
 * Sends a page. The links carry their tokens in the URL, so: no caching, no Referer to other sites, no
 * scripts at all, forms only to this server, no framing.
 */
export const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export function send(res: Response, status: number, body: Html): void {
  res.status(status).set(PAGE_HEADERS).send(body.value);
}
