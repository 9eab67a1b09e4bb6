// The language of a page that knows no contact (an unsubscribe or portal link that is bad, the portal's landing
// page): the browser's Accept-Language among ours, else English.
import type { Request } from 'express';
import { DEFAULT_LANGUAGE, LANGUAGES, isLanguage, type Language } from '../domain/email/messages';

export function browserLanguage(req: Request): Language {
  const picked = req.acceptsLanguages(...LANGUAGES);
  return isLanguage(picked) ? picked : DEFAULT_LANGUAGE;
}
