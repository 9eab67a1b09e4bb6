// One-click unsubscribe (RFC 8058), public: no API key, the signed token is the authority. Mail clients
// POST `List-Unsubscribe=One-Click` (multipart/form-data, or form-encoded) to the List-Unsubscribe address;
// a person who opens the link gets a small confirmation page whose button makes the same POST. GET never
// changes anything (mail scanners open links). Pages are in the recipient's language (or the browser's when
// the link is bad).
import { PAGE_HEADERS } from '../portal/html';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '../../domain/errors';
import { escapeHtml } from '../../domain/email/text';
import { formatMessage } from '../../domain/email/render';
import { CATALOGS, type Language } from '../../domain/email/messages';
import { unsubscribeTargetName, type UnsubscribeService, type UnsubscribeTarget } from '../../domain/email/unsubscribe';
import { Problem, STATUS_OF_KIND } from '../problem';
import { browserLanguage } from '../browser-language';

export const UNSUBSCRIBE_PATH = '/unsubscribe';

const badInput = (field: string, message: string) =>
  new Problem(400, 'invalid-unsubscribe-request', 'Invalid unsubscribe request', `${field}: ${message}`, [
    { field, message },
  ]);

/** The browser's preferred language among ours, for pages shown before a token names the recipient. */

function page(res: Response, status: number, language: Language, title: string, body: string) {
  // The client pages' headers: the URL carries a token, so no caching, no Referer, no scripts, no framing.
  res
    .status(status)
    .set(PAGE_HEADERS)
    .send(
      `<!doctype html><html lang="${language}"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}' +
        'button{font-size:1rem;padding:.5rem 1rem}</style></head>' +
        `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

function texts(language: Language, category: UnsubscribeTarget, address: string) {
  const t = CATALOGS[language].unsubscribe;
  const values = { category: unsubscribeTargetName(language, category), address };
  return {
    title: t.title,
    button: t.button,
    question: formatMessage(t.question, language, values),
    done: formatMessage(t.done, language, values),
  };
}

const tokenOf = (req: Request): string => {
  const token = req.query.token;
  if (typeof token !== 'string' || token.length < 20 || token.length > 2000)
    throw badInput('query.token', 'the link has no valid token');
  return token;
};

/**
 * The one-click field of the POST body. RFC 8058 §3.1: mail clients SHOULD send multipart/form-data and MAY
 * send form-encoded. No multipart parser is among our dependencies, and this body is one short field, so it
 * is read whole under a small limit (the `raw` parser) and parsed by the Web Request's `formData()`.
 */
async function oneClickField(req: Request): Promise<unknown> {
  if (!Buffer.isBuffer(req.body)) return (req.body as Record<string, unknown> | undefined)?.['List-Unsubscribe'];
  try {
    const form = await new globalThis.Request('http://unsubscribe.invalid/', {
      method: 'POST',
      headers: { 'content-type': req.get('content-type') ?? '' },
      body: req.body,
    }).formData();
    return form.get('List-Unsubscribe');
  } catch {
    return undefined; // no boundary, or not multipart after all: the same answer as any other bad body
  }
}

export function unsubscribeRoutes(service: UnsubscribeService): Router {
  const r = Router();
  const formEncoded = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 });
  // Boundaries and part headers make a multipart body of the same field a few hundred bytes longer.
  const multipart = express.raw({ type: 'multipart/form-data', limit: '4kb' });

  /** A refusal: a page for a browser, problem+json (via the error handler) for anything else. */
  const refuse = (req: Request, res: Response, next: NextFunction, err: unknown, forceHtml: boolean) => {
    const status = err instanceof Problem ? err.status : err instanceof DomainError ? STATUS_OF_KIND[err.kind] : 0;
    if (status && (forceHtml || req.accepts(['json', 'html']) === 'html')) {
      const language = browserLanguage(req);
      const t = CATALOGS[language].unsubscribe;
      return page(res, status, language, t.title, `<p>${escapeHtml(t.invalid)}</p>`);
    }
    next(err);
  };

  r.get(UNSUBSCRIBE_PATH, async (req, res, next) => {
    try {
      const token = tokenOf(req);
      const u = await service.describe(token);
      const t = texts(u.language, u.category, u.address);
      page(
        res,
        200,
        u.language,
        t.title,
        `<p>${escapeHtml(t.question)}</p>` +
          // Relative: it posts back to where the page was served, under any path prefix of UNSUBSCRIBE_URL
          // (a reverse proxy), not to this app's own root path.
          `<form method="post" action="?token=${encodeURIComponent(token)}">` +
          `<input type="hidden" name="List-Unsubscribe" value="One-Click">` +
          `<button type="submit">${escapeHtml(t.button)}</button></form>`,
      );
    } catch (err) {
      refuse(req, res, next, err, true);
    }
  });

  r.post(UNSUBSCRIBE_PATH, formEncoded, multipart, async (req, res, next) => {
    try {
      const token = tokenOf(req);
      if ((await oneClickField(req)) !== 'One-Click')
        throw badInput(
          'body.List-Unsubscribe',
          'the body must be the form field List-Unsubscribe=One-Click (RFC 8058: multipart/form-data or form-encoded)',
        );
      const u = await service.apply(token);
      const t = texts(u.language, u.category, u.address);
      page(res, 200, u.language, t.title, `<p>${escapeHtml(t.done)}</p>`);
    } catch (err) {
      refuse(req, res, next, err, false);
    }
  });
  return r;
}
