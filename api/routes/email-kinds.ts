// The firm's own texts for Nudge's emails, per kind and language, their preview, and the firm's email
// language (the default of its contacts). Mounted with the other /v1 routes, behind auth and idempotency.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route } from '../route';
import * as s from '../schemas/email-templates';

export function emailKindRoutes(domain: DomainServices): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(
    r,
    {
      method: 'get',
      path: '/v1/email-templates/kinds',
      operationId: 'listEmailKindTexts',
      tag: 'Settings',
      summary: 'Every kind of email Nudge sends, in every language: the text in use (firm’s or default) and its values',
    },
    async (req) => domain.emailTemplates.listEmailKindTemplates(req.firmId),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/email-templates/kinds/:kind/:language',
      operationId: 'setEmailKindText',
      tag: 'Settings',
      summary: 'The firm’s own subject and body (ICU MessageFormat) for one kind of email in one language',
      params: s.emailKindParams,
      body: s.emailKindTexts,
      ...mut,
    },
    async (req) =>
      domain.emailTemplates.saveEmailKindTemplate(
        req.firmId,
        req.actor,
        req.valid.params.kind,
        req.valid.params.language,
        req.valid.body,
      ),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/email-templates/kinds/:kind/:language',
      operationId: 'deleteEmailKindText',
      tag: 'Settings',
      summary: 'Back to Nudge’s text for one kind of email in one language',
      params: s.emailKindParams,
      ...mut,
    },
    async (req) => {
      await domain.emailTemplates.deleteEmailKindTemplate(
        req.firmId,
        req.actor,
        req.valid.params.kind,
        req.valid.params.language,
      );
    },
  );
  route(
    r,
    {
      method: 'post',
      path: '/v1/email-templates/preview',
      operationId: 'previewEmail',
      tag: 'Settings',
      summary: 'Render a kind of email in a language with sample values or a real item’s (nothing is sent)',
      body: s.emailPreview,
      response: s.renderedEmail,
    },
    async (req) => {
      const { itemKind, itemId, ...rest } = req.valid.body;
      return domain.emailTemplates.previewEmail(req.firmId, req.actor, {
        ...rest,
        ...(itemKind && itemId ? { item: { kind: itemKind, id: itemId } } : {}),
      });
    },
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/email-language',
      operationId: 'setFirmEmailLanguage',
      tag: 'Settings',
      summary: 'The firm’s email language: its users’ emails, and its contacts’ when they have none of their own',
      body: s.firmLanguage,
      ...mut,
    },
    async (req) => domain.emailTemplates.setFirmLanguage(req.firmId, req.actor, req.valid.body.language),
  );
  return r;
}
