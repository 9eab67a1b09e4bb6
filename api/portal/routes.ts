// The built-in client pages, mounted at /portal (the default PORTAL_URL points here): server-rendered
// HTML, no scripts. GET shows a page and never changes anything (mail scanners open links); the action is
// a form POST carrying its single-purpose token. Errors are friendly pages with the domain error's status:
// a changed or wrong-purpose link 403, an expired one 410, bad input 422 with nothing written. Pages are in
// the contact's language; error pages, which may not know the contact, in the browser's.
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Logger } from 'pino';
import { DomainError } from '../../domain/errors';
import {
  CATALOGS,
  DEFAULT_LANGUAGE,
  PORTAL_ERRORS,
  type Language,
  type PortalError,
} from '../../domain/email/messages';
import type { PortalService } from '../../domain/portal/portal';
import { STATUS_OF_KIND } from '../problem';
import { unavailableDependency } from '../dependency-errors';
import { send } from './html';
import * as pages from './pages';
import { browserLanguage } from '../browser-language';

const itemPath = z.object({ accountId: z.uuid(), kind: z.enum(['chat', 'signature', 'approval']), itemId: z.uuid() });
const viewQuery = z.object({ token: z.string().max(2000), done: z.enum(['replied', 'approved', 'signed']).optional() });
const tokenForm = z.object({ token: z.string().max(2000) });
// Each message names the error page's text (the catalogs' `portal.errors`).
const replyForm = tokenForm.extend({
  // A browser submits a line break as \r\n but its textarea's maxlength counts it as one, as the API's messages
  // store it: one \n, so a reply the page allowed fits and reads like any other message.
  body: z
    .string()
    .transform((body) => body.replace(/\r\n?/g, '\n'))
    .pipe(
      z
        .string()
        .trim()
        .min(1, 'empty-message')
        .max(20000, 'message-too-long')
        // PostgreSQL text cannot hold a NUL character: bad input, as the API's JSON bodies treat it, not a 500.
        .refine((body) => !body.includes('\u0000'), 'validation-error'),
    ),
  // The form's own id (pages.ts); absent from a page shown before forms carried one.
  formId: z.uuid('validation-error').optional(),
});

const ENGLISH = CATALOGS[DEFAULT_LANGUAGE].portal.errors;
const isPortalError = (slug: string): slug is PortalError => (PORTAL_ERRORS as readonly string[]).includes(slug);

/** Bad page input: the friendly page of a domain error (422, or 403 for a missing token). */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue.path[0] === 'token')
    throw new DomainError(
      'forbidden',
      'portal-link-invalid',
      ENGLISH['portal-link-invalid'].title,
      'The link is incomplete.',
    );
  const slug = isPortalError(issue.message) ? issue.message : 'validation-error';
  throw new DomainError('invalid', slug, ENGLISH[slug].title, ENGLISH[slug].detail);
}

/**
 * The portal's root as seen from the page answering `req`, a relative URL (`./`, `../../../`): forms and
 * redirects resolve against the address the browser used, so under a gateway that serves the pages at a path
 * prefix (PORTAL_URL=https://gw.example/nudge/portal) they stay under it, as an absolute /portal/… would not.
 */
/** The answer to a form's post: its Location carries a fresh link, so it is kept and referred no more than a page. */
const seeOther = (res: Response, url: string) =>
  res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).redirect(303, url);

const root = (req: Request) => '../'.repeat(req.path.split('/').length - 2) || './';

/** An error page's words: in English the error's own (the most specific), else its slug's in the catalog. */
function errorText(language: Language, slug: string, own?: { title: string; detail?: string }) {
  if (own && language === DEFAULT_LANGUAGE) return own;
  const texts = CATALOGS[language].portal.errors;
  return texts[isPortalError(slug) ? slug : 'other'];
}

const errorPage = (language: Language, slug: PortalError, own?: { title: string; detail?: string }) => {
  const { title, detail } = errorText(language, slug, own);
  return pages.errorPage(language, title, detail);
};

export function portalRoutes(portal: PortalService, log: Logger): Router {
  const router = Router();
  // Small forms only: a token and a message. A reply of 20,000 characters is up to 180 kB percent-encoded (9
  // bytes for a character of three UTF-8 bytes, such as Chinese; Cyrillic takes 6): room for it and the token.
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 10 });
  const itemUrl = (
    req: Request,
    back: { accountId: string; kind: string; itemId: string; token: string },
    done: pages.Done,
  ) =>
    `${root(req)}accounts/${back.accountId}/${back.kind}/${back.itemId}?token=${encodeURIComponent(back.token)}&done=${done}`;

  router.get('/', (req, res) => send(res, 200, pages.landingPage(browserLanguage(req))));

  router.get('/accounts/:accountId/:kind/:itemId', async (req, res) => {
    const path = itemPath.safeParse(req.params);
    if (!path.success) return send(res, 404, errorPage(browserLanguage(req), 'not-found'));
    const query = parse(viewQuery, req.query);
    const item = await portal.viewItem(query.token, path.data);
    send(res, 200, pages.itemPage(root(req), item, query.done));
  });

  router.post('/reply', form, async (req, res) => {
    const input = parse(replyForm, req.body);
    seeOther(res, itemUrl(req, await portal.reply(input.token, input.body, input.formId), 'replied'));
  });
  router.post('/approve', form, async (req, res) => {
    seeOther(res, itemUrl(req, await portal.approve(parse(tokenForm, req.body).token), 'approved'));
  });
  router.post('/sign', form, async (req, res) => {
    seeOther(res, itemUrl(req, await portal.sign(parse(tokenForm, req.body).token), 'signed'));
  });

  router.get('/invitations/accept', async (req, res) => {
    const { token } = parse(tokenForm, req.query);
    send(res, 200, pages.invitationPage(root(req), token, await portal.invitationPage(token)));
  });
  router.post('/invitations/accept', form, async (req, res) => {
    const { token } = parse(tokenForm, req.body);
    const before = await portal.invitationPage(token); // expired or withdrawn: its own page, nothing written
    const accepted = await portal.acceptInvitation(token);
    send(res, 200, pages.acceptedPage(before.language, before.firmName, accepted.accounts));
  });

  router.get('/activate', async (req, res) => {
    const { token } = parse(tokenForm, req.query);
    send(res, 200, pages.activationPage(root(req), token, await portal.activationPage(token)));
  });
  router.post('/activate', form, async (req, res) => {
    const { token } = parse(tokenForm, req.body);
    send(res, 200, pages.activationPage(root(req), token, await portal.activate(token)));
  });

  router.use((req, res) => send(res, 404, errorPage(browserLanguage(req), 'not-found')));
  router.use(portalErrors(log));
  return router;
}

/** Every failure as a page: domain errors with their status, unreadable forms 400/413, dependencies 503. */
function portalErrors(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const language = browserLanguage(req);
    if (err instanceof DomainError) {
      const { title, detail } = errorText(language, err.slug, err);
      return send(res, STATUS_OF_KIND[err.kind], pages.errorPage(language, title, detail));
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return send(res, status, errorPage(language, 'unreadable-form'));
    const down = unavailableDependency(err);
    if (down) {
      log.warn(
        { requestId: req.id, dependency: down.dependency, reason: down.reason },
        'portal: dependency unavailable',
      );
      res.set('Retry-After', '5');
      return send(res, 503, errorPage(language, 'busy'));
    }
    log.error({ requestId: req.id, err }, 'portal: unexpected error');
    send(res, 500, errorPage(language, 'unexpected'));
  };
}
