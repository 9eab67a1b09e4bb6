// Schemas of the firm's texts for Nudge's emails (per kind and language), their preview, and the firm's
// email language.
import { z } from 'zod';
import { EMAIL_KINDS, LANGUAGES } from '../../domain/email/messages';
import { id, text } from './common';

const LANGUAGE_LIST = LANGUAGES.join(', ');

export const language = () => z.enum(LANGUAGES, { message: `must be one of ${LANGUAGE_LIST}` });
export const emailKind = () => z.enum(EMAIL_KINDS, { message: `must be one of ${EMAIL_KINDS.join(', ')}` });

/** `/v1/email-templates/kinds/:kind/:language`: an unknown kind or language is "not found". */
export const emailKindParams = z.object({ kind: emailKind(), language: language() });

export const emailKindTexts = z
  .object({
    subject: text(300).describe('ICU MessageFormat, one line; see GET /v1/email-templates/kinds for the values'),
    body: text(20000).describe('ICU MessageFormat, plain text (the HTML part is derived from it)'),
  })
  .strict();

export const firmLanguage = z.object({ language: language() }).strict();

export const emailPreview = z
  .object({
    kind: emailKind(),
    language: language(),
    subject: text(300).optional().describe('unsaved text to try; absent: the firm’s text, else Nudge’s'),
    body: text(20000).optional(),
    itemKind: z.enum(['chat', 'signature', 'approval']).optional().describe('with itemId: a real item’s values'),
    itemId: id().optional(),
  })
  .strict()
  .refine((p) => (p.itemKind === undefined) === (p.itemId === undefined), {
    message: 'itemKind and itemId go together',
    path: ['itemId'],
  });

export const renderedEmail = z.object({
  kind: emailKind(),
  language: language(),
  source: z.enum(['default', 'firm', 'preview']),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
});
