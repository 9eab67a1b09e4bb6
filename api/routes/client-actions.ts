// Client actions and activity timelines (SPEC §7). Mounted before the API's JSON body parser so the CSV
// import can stream its body; every other route here gets the same JSON parsing, authentication and
// idempotency as the rest of /v1, applied to these paths only. Emails go out through a workflow started
// after the transaction commits.
import express, { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../prisma/client';
import { route, idParams, type RouteSpec } from '../route';
import { authenticate } from '../auth';
import { idempotency } from '../idempotency';
import { Problem } from '../../domain/errors';
import * as actions from '../../domain/timeline/client-actions';
import * as notes from '../../domain/timeline/notes';
import { accountTimeline, contactTimeline } from '../../domain/timeline/timeline';
import { csvTemplate, importContacts } from '../../domain/contacts/csv-import';
import { deliverParticipantEmails, type EmailBatch } from '../../domain/timeline/participant-emails';
import type { TemporalGateway } from '../../domain/temporal/gateway';

export interface ClientActionDeps {
  db: Db;
  gateway: TemporalGateway;
}

const id = () => z.uuid({ message: 'must be a UUID' });
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const ids = (what: string) => z.array(id()).min(1, `name at least one ${what}`).max(1000);
const participants = z.array(id()).max(50).optional();
const description = z.string().trim().max(5000).optional();

const timelineQuery = z
  .object({
    before: z.string().regex(/^\d+$/, 'must be a cursor from nextCursor').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const activation = z.object({ contactIds: ids('contact'), active: z.boolean() }).strict();
const statusChange = z.object({ contactIds: ids('contact'), status: text(100), description, participants }).strict();
const assignment = z
  .object({ userId: id(), accountIds: z.array(id()).max(1000).optional(), contactIds: z.array(id()).max(1000).optional(), description, participants })
  .strict()
  .refine((a) => (a.accountIds?.length ?? 0) + (a.contactIds?.length ?? 0) > 0, { message: 'name at least one account or contact', path: ['accountIds'] });
const move = z.object({ toAccountId: id(), fromAccountId: id().optional(), description, participants }).strict();
const newNote = z
  .object({
    contactId: id().optional(),
    accountId: id().optional(),
    body: text(20000),
    participants,
    calendar: z.object({ start: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }), durationMinutes: z.number().int().min(5).max(24 * 60).optional() }).strict().optional(),
  })
  .strict()
  .refine((n) => n.contactId || n.accountId, { message: 'name a contactId or an accountId', path: ['contactId'] });
const newComment = z.object({ body: text(20000) }).strict();
/** A PATCH body: the create schema's fields, each optional, at least one given. */
const patchOf = <T extends z.ZodRawShape>(create: z.ZodObject<T>) => {
  const names = Object.keys(create.shape).join(', ');
  return create
    .partial()
    .strict()
    .refine((p) => Object.keys(p).length > 0, { message: `name at least one of ${names}` });
};
const newEmailTemplate = z.object({ name: text(200), subject: text(300), body: text(20000) }).strict();
const emailTemplatePatch = patchOf(newEmailTemplate);
const newGdprStatus = z.object({ name: text(100), emailTemplateId: id().optional() }).strict();
const gdprStatusPatch = z
  .object({ name: text(100).optional(), emailTemplateId: id().nullable().optional().describe('null: the status sends no email of its own') })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of name, emailTemplateId' });
const gdprChange = z.object({ statusId: id(), sendEmail: z.boolean().optional(), emailTemplateId: id().optional() }).strict();
const fieldKey = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,49}$/, 'letters, digits and _ (starting with a letter)');
const newCustomAction = z
  .object({
    name: text(200),
    fields: z
      .array(z.object({ key: fieldKey, label: text(200), type: z.enum(actions.CUSTOM_FIELD_TYPES), required: z.boolean().optional(), options: z.array(text(200)).max(100).optional() }).strict())
      .max(50),
  })
  .strict();
const customActionPatch = patchOf(newCustomAction);
const customActionRun = z
  .object({ contactId: id().optional(), accountId: id().optional(), values: z.record(z.string(), z.unknown()).default({}), description, participants })
  .strict()
  .refine((r) => !r.contactId !== !r.accountId, { message: 'name exactly one of contactId and accountId', path: ['contactId'] });

const CSV_TYPES = ['text/csv', 'application/csv'];

export function clientActionRoutes({ db, gateway }: ClientActionDeps): Router {
  const r = Router();
  const auth = authenticate(db);
  const json: RequestHandler[] = [express.json({ limit: '1mb', strict: true, type: () => true }), auth, idempotency(db)];

  /** Declares a JSON route of this router, behind the same middleware as the rest of /v1. */
  function action(spec: RouteSpec, handler: Parameters<typeof route>[2]) {
    r[spec.method](spec.path, ...json);
    route(r, spec, handler);
  }
  const mut = { idempotent: true } as const;

  async function respond<T>(work: Promise<{ result: T; batch: EmailBatch | null }>): Promise<T> {
    const { result, batch } = await work;
    await deliverParticipantEmails(gateway, batch);
    return result;
  }

  // --- timelines ---
  action({ method: 'get', path: '/v1/contacts/:contactId/timeline', tag: 'Timeline', summary: 'A contact’s activity timeline, newest first (cursor: nextCursor → before)', params: idParams('contactId'), query: timelineQuery }, async (req) =>
    contactTimeline(db, req.firmId, req.actor, req.valid.params.contactId, req.valid.query),
  );
  action({ method: 'get', path: '/v1/accounts/:accountId/timeline', tag: 'Timeline', summary: 'An account’s activity timeline, newest first (cursor: nextCursor → before)', params: idParams('accountId'), query: timelineQuery }, async (req) =>
    accountTimeline(db, req.firmId, req.actor, req.valid.params.accountId, req.valid.query),
  );

  // --- CSV import: the body is streamed, never parsed as JSON nor buffered whole ---
  r.get('/v1/contacts/import-template', auth);
  route(r, { method: 'get', path: '/v1/contacts/import-template', tag: 'Client actions', summary: 'Download the contacts CSV template (text/csv)' }, async (_req, res) => {
    res.status(200).type('text/csv; charset=utf-8').attachment('contacts-template.csv').send(csvTemplate());
  });
  r.post('/v1/contacts/import', auth);
  route(
    r,
    { method: 'post', path: '/v1/contacts/import', tag: 'Client actions', summary: 'Import contacts from the CSV template (body: text/csv, up to 50 MB); answers a per-row report. Rows match existing contacts on email, so a re-upload is safe to retry.' },
    async (req) => {
      if (!CSV_TYPES.includes((req.get('content-type') ?? '').split(';')[0].trim().toLowerCase())) {
        req.resume();
        throw new Problem(415, 'unsupported-media-type', 'Send the file as text/csv', 'Set Content-Type: text/csv and send the filled-in template as the body.');
      }
      try {
        return await importContacts(db, req.firmId, req.actor, req);
      } catch (err) {
        req.resume(); // drain what is left so the error response reaches the client
        throw err;
      }
    },
  );

  // --- contact actions ---
  action({ method: 'post', path: '/v1/contacts/activation', tag: 'Client actions', summary: 'Activate or deactivate contacts', body: activation, ...mut }, async (req) =>
    actions.setContactsActive(db, req.firmId, req.actor, req.valid.body),
  );
  action({ method: 'post', path: '/v1/contacts/status', tag: 'Client actions', summary: 'Change the status of one or several contacts (participants are emailed)', body: statusChange, ...mut }, async (req) =>
    respond(actions.changeContactStatus(db, req.firmId, req.actor, req.valid.body)),
  );
  action({ method: 'post', path: '/v1/assignments', tag: 'Client actions', summary: 'Assign accounts and contacts to a firm user (participants are emailed)', body: assignment, ...mut }, async (req) =>
    respond(actions.assignToUser(db, req.firmId, req.actor, req.valid.body)),
  );
  action({ method: 'post', path: '/v1/contacts/:contactId/move', tag: 'Client actions', summary: 'Move a contact to another company account, keeping its link description and signing fields', params: idParams('contactId'), body: move, ...mut }, async (req) =>
    respond(actions.moveContact(db, req.firmId, req.actor, req.valid.params.contactId, req.valid.body)),
  );

  // --- notes and comments ---
  action({ method: 'post', path: '/v1/notes', tag: 'Notes', summary: 'Add a note to a contact or account; participants are emailed, an optional calendar invitation goes to the acting user', body: newNote, status: 201, ...mut }, async (req) =>
    respond(notes.createNote(db, req.firmId, req.actor, req.valid.body).then(({ note, batch }) => ({ result: note, batch }))),
  );
  action({ method: 'get', path: '/v1/notes/:noteId', tag: 'Notes', summary: 'A note with its participants and comments', params: idParams('noteId') }, async (req) =>
    notes.getNote(db, req.firmId, req.actor, req.valid.params.noteId),
  );
  action({ method: 'post', path: '/v1/notes/:noteId/comments', tag: 'Notes', summary: 'Comment on a note; its participants and author are emailed', params: idParams('noteId'), body: newComment, status: 201, ...mut }, async (req) =>
    respond(notes.addComment(db, req.firmId, req.actor, req.valid.params.noteId, req.valid.body.body).then(({ comment, batch }) => ({ result: comment, batch }))),
  );

  // --- GDPR consent and email templates ---
  action({ method: 'post', path: '/v1/email-templates', tag: 'Settings', summary: 'Create an email template ({{firstName}} {{lastName}} {{firmName}})', body: newEmailTemplate, status: 201, ...mut }, async (req) =>
    actions.createEmailTemplate(db, req.firmId, req.actor, req.valid.body),
  );
  action({ method: 'get', path: '/v1/email-templates', tag: 'Settings', summary: 'The firm’s email templates' }, async (req) => ({ items: await actions.listEmailTemplates(db, req.firmId) }));
  action({ method: 'patch', path: '/v1/email-templates/:emailTemplateId', tag: 'Settings', summary: 'Change an email template’s name, subject or body', params: idParams('emailTemplateId'), body: emailTemplatePatch, ...mut }, async (req) =>
    actions.updateEmailTemplate(db, req.firmId, req.actor, req.valid.params.emailTemplateId, req.valid.body),
  );
  action({ method: 'delete', path: '/v1/email-templates/:emailTemplateId', tag: 'Settings', summary: 'Delete an email template (refused while a GDPR status uses it)', params: idParams('emailTemplateId'), ...mut }, async (req) => {
    await actions.deleteEmailTemplate(db, req.firmId, req.actor, req.valid.params.emailTemplateId);
  });
  action({ method: 'post', path: '/v1/gdpr-statuses', tag: 'Settings', summary: 'Define a GDPR consent status, optionally with its email template', body: newGdprStatus, status: 201, ...mut }, async (req) =>
    actions.createGdprStatus(db, req.firmId, req.actor, req.valid.body),
  );
  action({ method: 'get', path: '/v1/gdpr-statuses', tag: 'Settings', summary: 'The firm’s GDPR consent statuses' }, async (req) => ({ items: await actions.listGdprStatuses(db, req.firmId) }));
  action({ method: 'patch', path: '/v1/gdpr-statuses/:gdprStatusId', tag: 'Settings', summary: 'Rename a GDPR consent status (contacts holding it follow) or change its email template', params: idParams('gdprStatusId'), body: gdprStatusPatch, ...mut }, async (req) =>
    actions.updateGdprStatus(db, req.firmId, req.actor, req.valid.params.gdprStatusId, req.valid.body),
  );
  action({ method: 'delete', path: '/v1/gdpr-statuses/:gdprStatusId', tag: 'Settings', summary: 'Delete a GDPR consent status (refused while contacts hold it)', params: idParams('gdprStatusId'), ...mut }, async (req) => {
    await actions.deleteGdprStatus(db, req.firmId, req.actor, req.valid.params.gdprStatusId);
  });
  action({ method: 'put', path: '/v1/contacts/:contactId/gdpr-status', tag: 'Client actions', summary: 'Set a contact’s GDPR consent status, optionally emailing the contact from a template', params: idParams('contactId'), body: gdprChange, ...mut }, async (req) =>
    respond(actions.setGdprStatus(db, req.firmId, req.actor, req.valid.params.contactId, req.valid.body)),
  );

  // --- custom actions ---
  action({ method: 'post', path: '/v1/custom-actions', tag: 'Settings', summary: 'Define a custom action and its fields', body: newCustomAction, status: 201, ...mut }, async (req) =>
    actions.createCustomAction(db, req.firmId, req.actor, req.valid.body),
  );
  action({ method: 'get', path: '/v1/custom-actions', tag: 'Settings', summary: 'The firm’s custom actions' }, async (req) => ({ items: await actions.listCustomActions(db, req.firmId) }));
  action({ method: 'patch', path: '/v1/custom-actions/:customActionId', tag: 'Settings', summary: 'Rename a custom action or replace its fields (past runs keep their values and labels)', params: idParams('customActionId'), body: customActionPatch, ...mut }, async (req) =>
    actions.updateCustomAction(db, req.firmId, req.actor, req.valid.params.customActionId, req.valid.body),
  );
  action({ method: 'delete', path: '/v1/custom-actions/:customActionId', tag: 'Settings', summary: 'Delete a custom action (its runs stay on the timelines)', params: idParams('customActionId'), ...mut }, async (req) => {
    await actions.deleteCustomAction(db, req.firmId, req.actor, req.valid.params.customActionId);
  });
  action({ method: 'post', path: '/v1/custom-actions/:customActionId/runs', tag: 'Client actions', summary: 'Run a custom action on a contact or account; values are checked against its fields', params: idParams('customActionId'), body: customActionRun, status: 201, ...mut }, async (req) =>
    respond(actions.runCustomAction(db, req.firmId, req.actor, req.valid.params.customActionId, req.valid.body)),
  );

  return r;
}
