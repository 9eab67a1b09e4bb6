// Client actions and activity timelines (SPEC §7). Mounted before the API's JSON body parser so the CSV
// import can stream its body; every other route here gets the same JSON parsing, authentication and
// idempotency as the rest of /v1, applied to these paths only. Emails go out through a workflow started
// after the transaction commits.
import { Router, type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import type { DomainServices } from '../../domain/services';
import { route, idParams, type Handler, type RouteSpec } from '../route';
import { Problem } from '../problem';
import { jsonBody } from '../json-body';
import * as s from '../schemas/client-actions';
import { csvTemplate } from '../../domain/contacts/csv-import';
import { DomainError } from '../../domain/errors';
import { resultAfterDelivery } from '../../domain/timeline/participant-emails';
import type { Outbox } from '../../domain/outbox/outbox';

export interface ClientActionDeps {
  domain: DomainServices;
  outbox: Outbox;
  /** The /v1 authentication and idempotency middleware, applied here per route (see above). */
  authenticate: RequestHandler;
  idempotency: RequestHandler;
}

const CSV_TYPES = ['text/csv', 'application/csv'];
/** When to upload again after 409 import-in-progress or import-conflict: a large import takes about a minute. */
const IMPORT_RETRY_AFTER_SECONDS = 10;

/**
 * The uploaded file as the import reads it. An import that stops early (a bad file, too many rows) leaves the
 * request open, so the rest is drained and the answer reaches the client; a body the client cuts off is the
 * client's doing (400, not logged), not the database outage its ECONNRESET would otherwise read as.
 */
async function* uploadedFile(req: Request): AsyncGenerator<Buffer> {
  try {
    yield* req.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
  } catch {
    throw new Problem(
      400,
      'request-aborted',
      'The upload was cut off',
      'The connection closed before the whole file arrived; nothing was imported.',
    );
  }
}

export function clientActionRoutes({ domain, outbox, authenticate: auth, idempotency }: ClientActionDeps): Router {
  const r = Router();
  const json: RequestHandler[] = [...jsonBody(), auth, idempotency];

  /** Declares a JSON route of this router, behind the same middleware as the rest of /v1. */
  function action<
    P extends z.ZodObject | undefined = undefined,
    Q extends z.ZodObject | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
  >(spec: RouteSpec & { params?: P; query?: Q; body?: B }, handler: Handler<P, Q, B>) {
    r[spec.method](spec.path, ...json);
    route(r, spec, handler);
  }
  const mut = { idempotent: true } as const;

  // --- timelines ---
  action(
    {
      method: 'get',
      path: '/v1/contacts/:contactId/timeline',
      tag: 'Timeline',
      summary: 'A contact’s activity timeline, newest first (cursor: nextCursor → before)',
      params: idParams('contactId'),
      query: s.timelineQuery,
    },
    async (req) => domain.timeline.contactTimeline(req.firmId, req.actor, req.valid.params.contactId, req.valid.query),
  );
  action(
    {
      method: 'get',
      path: '/v1/accounts/:accountId/timeline',
      tag: 'Timeline',
      summary: 'An account’s activity timeline, newest first (cursor: nextCursor → before)',
      params: idParams('accountId'),
      query: s.timelineQuery,
    },
    async (req) => domain.timeline.accountTimeline(req.firmId, req.actor, req.valid.params.accountId, req.valid.query),
  );

  // --- CSV import: the body is streamed, never parsed as JSON nor buffered whole ---
  r.get('/v1/contacts/import-template', auth);
  route(
    r,
    {
      method: 'get',
      path: '/v1/contacts/import-template',
      tag: 'Client actions',
      summary: 'Download the contacts CSV template (text/csv)',
      csv: 'response',
    },
    async (_req, res) => {
      res.status(200).type('text/csv; charset=utf-8').attachment('contacts-template.csv').send(csvTemplate());
    },
  );
  r.post('/v1/contacts/import', auth);
  route(
    r,
    {
      method: 'post',
      path: '/v1/contacts/import',
      tag: 'Client actions',
      problems: [400, 413, 415, 422], // 400: the upload cut off
      csv: 'request',
      summary:
        'Import contacts from the CSV template (body: text/csv, up to 50 MB); answers a per-row report. Rows match existing contacts on email, so a re-upload is safe to retry.',
    },
    async (req, res) => {
      if (!CSV_TYPES.includes((req.get('content-type') ?? '').split(';')[0].trim().toLowerCase())) {
        req.resume();
        throw new Problem(
          415,
          'unsupported-media-type',
          'Send the file as text/csv',
          'Set Content-Type: text/csv and send the filled-in template as the body.',
        );
      }
      try {
        return await domain.csvImport.importContacts(req.firmId, req.actor, uploadedFile(req));
      } catch (err) {
        req.resume(); // drain what is left so the error response reaches the client
        if (err instanceof DomainError && ['import-in-progress', 'import-conflict'].includes(err.slug))
          res.set('Retry-After', String(IMPORT_RETRY_AFTER_SECONDS));
        throw err;
      }
    },
  );

  // --- contact actions ---
  action(
    {
      method: 'post',
      path: '/v1/contacts/activation',
      operationId: 'setContactActivation',
      tag: 'Client actions',
      summary: 'Activate or deactivate contacts',
      body: s.activation,
      ...mut,
    },
    async (req) => domain.clientActions.setContactsActive(req.firmId, req.actor, req.valid.body),
  );
  action(
    {
      method: 'post',
      path: '/v1/contacts/status',
      operationId: 'setContactStatus',
      tag: 'Client actions',
      summary: 'Change the status of one or several contacts (participants are emailed)',
      body: s.statusChange,
      ...mut,
    },
    async (req) =>
      resultAfterDelivery(outbox, domain.clientActions.changeContactStatus(req.firmId, req.actor, req.valid.body)),
  );
  action(
    {
      method: 'post',
      path: '/v1/assignments',
      tag: 'Client actions',
      summary: 'Assign accounts and contacts to a firm user (participants are emailed)',
      body: s.assignment,
      ...mut,
    },
    async (req) =>
      resultAfterDelivery(outbox, domain.clientActions.assignToUser(req.firmId, req.actor, req.valid.body)),
  );
  action(
    {
      method: 'post',
      path: '/v1/contacts/:contactId/move',
      tag: 'Client actions',
      summary: 'Move a contact to another company account, keeping its link description and signing fields',
      params: idParams('contactId'),
      body: s.move,
      ...mut,
    },
    async (req) =>
      resultAfterDelivery(
        outbox,
        domain.clientActions.moveContact(req.firmId, req.actor, req.valid.params.contactId, req.valid.body),
      ),
  );

  // --- notes and comments ---
  action(
    {
      method: 'post',
      path: '/v1/notes',
      tag: 'Notes',
      summary:
        'Add a note to a contact or account; participants (firm users who may open that contact and account) are emailed, an optional calendar invitation goes to the acting user',
      body: s.newNote,
      status: 201,
      ...mut,
    },
    async (req) => resultAfterDelivery(outbox, domain.notes.createNote(req.firmId, req.actor, req.valid.body)),
  );
  action(
    {
      method: 'get',
      path: '/v1/notes/:noteId',
      tag: 'Notes',
      summary: 'A note with its participants and comments',
      params: idParams('noteId'),
    },
    async (req) => domain.notes.getNote(req.firmId, req.actor, req.valid.params.noteId),
  );
  action(
    {
      method: 'post',
      path: '/v1/notes/:noteId/comments',
      tag: 'Notes',
      summary: 'Comment on a note; its participants and author are emailed',
      params: idParams('noteId'),
      body: s.newComment,
      status: 201,
      ...mut,
    },
    async (req) =>
      resultAfterDelivery(
        outbox,
        domain.notes.addComment(req.firmId, req.actor, req.valid.params.noteId, req.valid.body.body),
      ),
  );

  // --- GDPR consent and email templates ---
  action(
    {
      method: 'post',
      path: '/v1/email-templates',
      tag: 'Settings',
      summary: 'Create an email template ({{firstName}} {{lastName}} {{firmName}})',
      body: s.newEmailTemplate,
      status: 201,
      ...mut,
    },
    async (req) => domain.emailTemplates.createEmailTemplate(req.firmId, req.actor, req.valid.body),
  );
  action(
    { method: 'get', path: '/v1/email-templates', tag: 'Settings', summary: 'The firm’s email templates' },
    async (req) => ({ items: await domain.emailTemplates.listEmailTemplates(req.firmId) }),
  );
  action(
    {
      method: 'patch',
      path: '/v1/email-templates/:emailTemplateId',
      tag: 'Settings',
      summary: 'Change an email template’s name, subject or body',
      params: idParams('emailTemplateId'),
      body: s.emailTemplatePatch,
      ...mut,
    },
    async (req) =>
      domain.emailTemplates.updateEmailTemplate(
        req.firmId,
        req.actor,
        req.valid.params.emailTemplateId,
        req.valid.body,
      ),
  );
  action(
    {
      method: 'delete',
      path: '/v1/email-templates/:emailTemplateId',
      tag: 'Settings',
      summary: 'Delete an email template (refused while a GDPR status uses it)',
      params: idParams('emailTemplateId'),
      ...mut,
    },
    async (req) => {
      await domain.emailTemplates.deleteEmailTemplate(req.firmId, req.actor, req.valid.params.emailTemplateId);
    },
  );
  action(
    {
      method: 'post',
      path: '/v1/gdpr-statuses',
      tag: 'Settings',
      summary: 'Define a GDPR consent status, optionally with its email template',
      body: s.newGdprStatus,
      status: 201,
      ...mut,
    },
    async (req) => domain.gdprStatuses.createGdprStatus(req.firmId, req.actor, req.valid.body),
  );
  action(
    { method: 'get', path: '/v1/gdpr-statuses', tag: 'Settings', summary: 'The firm’s GDPR consent statuses' },
    async (req) => ({ items: await domain.gdprStatuses.listGdprStatuses(req.firmId) }),
  );
  action(
    {
      method: 'patch',
      path: '/v1/gdpr-statuses/:gdprStatusId',
      tag: 'Settings',
      summary: 'Rename a GDPR consent status (contacts holding it follow) or change its email template',
      params: idParams('gdprStatusId'),
      body: s.gdprStatusPatch,
      ...mut,
    },
    async (req) =>
      domain.gdprStatuses.updateGdprStatus(req.firmId, req.actor, req.valid.params.gdprStatusId, req.valid.body),
  );
  action(
    {
      method: 'delete',
      path: '/v1/gdpr-statuses/:gdprStatusId',
      tag: 'Settings',
      summary: 'Delete a GDPR consent status (refused while contacts hold it)',
      params: idParams('gdprStatusId'),
      ...mut,
    },
    async (req) => {
      await domain.gdprStatuses.deleteGdprStatus(req.firmId, req.actor, req.valid.params.gdprStatusId);
    },
  );
  action(
    {
      method: 'put',
      path: '/v1/contacts/:contactId/gdpr-status',
      tag: 'Client actions',
      summary: 'Set a contact’s GDPR consent status, optionally emailing the contact from a template',
      params: idParams('contactId'),
      body: s.gdprChange,
      ...mut,
    },
    async (req) =>
      resultAfterDelivery(
        outbox,
        domain.clientActions.setGdprStatus(req.firmId, req.actor, req.valid.params.contactId, req.valid.body),
      ),
  );

  // --- custom actions ---
  action(
    {
      method: 'post',
      path: '/v1/custom-actions',
      tag: 'Settings',
      summary: 'Define a custom action and its fields',
      body: s.newCustomAction,
      status: 201,
      ...mut,
    },
    async (req) => domain.customActions.createCustomAction(req.firmId, req.actor, req.valid.body),
  );
  action(
    { method: 'get', path: '/v1/custom-actions', tag: 'Settings', summary: 'The firm’s custom actions' },
    async (req) => ({ items: await domain.customActions.listCustomActions(req.firmId) }),
  );
  action(
    {
      method: 'patch',
      path: '/v1/custom-actions/:customActionId',
      tag: 'Settings',
      summary: 'Rename a custom action or replace its fields (past runs keep their values and labels)',
      params: idParams('customActionId'),
      body: s.customActionPatch,
      ...mut,
    },
    async (req) =>
      domain.customActions.updateCustomAction(req.firmId, req.actor, req.valid.params.customActionId, req.valid.body),
  );
  action(
    {
      method: 'delete',
      path: '/v1/custom-actions/:customActionId',
      tag: 'Settings',
      summary: 'Delete a custom action (its runs stay on the timelines)',
      params: idParams('customActionId'),
      ...mut,
    },
    async (req) => {
      await domain.customActions.deleteCustomAction(req.firmId, req.actor, req.valid.params.customActionId);
    },
  );
  action(
    {
      method: 'post',
      path: '/v1/custom-actions/:customActionId/runs',
      tag: 'Client actions',
      summary: 'Run a custom action on a contact or account; values are checked against its fields',
      params: idParams('customActionId'),
      body: s.customActionRun,
      status: 201,
      ...mut,
    },
    async (req) =>
      resultAfterDelivery(
        outbox,
        domain.clientActions.runCustomAction(req.firmId, req.actor, req.valid.params.customActionId, req.valid.body),
      ),
  );

  return r;
}
