// The firm's email templates (SPEC §7), used by GDPR statuses and their consent emails; and the firm's own
// texts for Nudge's emails per kind and language (below).
import type { Db } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, DomainError, invalid, invalidFields, notFound, type FieldError } from '../errors';
import { changedKeys, lockSetting, requireFirmAdmin } from './admin';
import type { ItemKind } from '../../shared/reminder-types';
import { requireItemAccess } from '../items/item-refs';
import { firmOverride } from '../email/compose';
import {
  CATALOGS,
  EMAIL_KINDS,
  EMAIL_VARIABLES,
  LANGUAGES,
  type EmailKind,
  type EmailMessages,
  type Language,
} from '../email/messages';
import {
  checkMessage,
  messagesFor,
  renderEmailKind,
  sampleValues,
  type MessageValues,
  type TemplateError,
  type TemplatePosition,
} from '../email/render';

export async function createEmailTemplate(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { name: string; subject: string; body: string },
) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      const t = await tx.emailTemplate.create({ data: { firmId, ...input } });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'email_template.created',
        data: { emailTemplateId: t.id, name: t.name },
      });
      return t;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('name-taken', 'Name already in use', 'The firm already has an email template with this name.');
    throw err;
  }
}

export const listEmailTemplates = (db: Db, firmId: string) =>
  db.emailTemplate.findMany({ where: { firmId }, orderBy: { name: 'asc' } });

export async function updateEmailTemplate(
  db: Db,
  firmId: string,
  actor: Actor,
  templateId: string,
  patch: { name?: string; subject?: string; body?: string },
) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      await lockSetting(tx, 'emailTemplate', firmId, templateId, 'update');
      const before = await tx.emailTemplate.findFirst({ where: { id: templateId, firmId } });
      if (!before) throw notFound('Email template', templateId);
      const t = await tx.emailTemplate.update({ where: { id: templateId }, data: patch });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'email_template.updated',
        data: { emailTemplateId: t.id, from: before.name, name: t.name, changed: changedKeys(patch) },
      });
      return t;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('name-taken', 'Name already in use', 'The firm already has an email template with this name.');
    throw err;
  }
}

/**
 * Refused while a GDPR status names the template as its email: that status could no longer email
 * contacts. GDPR emails already queued with the template are skipped by the send activity if it is gone.
 */
export async function deleteEmailTemplate(db: Db, firmId: string, actor: Actor, templateId: string) {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    await lockSetting(tx, 'emailTemplate', firmId, templateId, 'update');
    const t = await tx.emailTemplate.findFirst({ where: { id: templateId, firmId } });
    if (!t) throw notFound('Email template', templateId);
    const users = await tx.gdprStatusDefinition.findMany({
      where: { firmId, emailTemplateId: templateId },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    if (users.length) {
      const names = users.map((s) => `"${s.name}"`).join(', ');
      throw conflict(
        'email-template-in-use',
        'Email template in use',
        `The GDPR status(es) ${names} email with this template; give them another template or none first.`,
      );
    }
    await tx.emailTemplate.delete({ where: { id: templateId } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'email_template.deleted',
      data: { emailTemplateId: templateId, name: t.name },
    });
  });
}

// --- Nudge's own emails, per kind and language (issue 12) ---
// Each kind of email Nudge sends (notification, reminder, resend, activation banner, invitation, note
// emails) has a subject and body per language in the catalog (domain/email/messages/); a firm may write
// its own for any kind and language. Texts are ICU MessageFormat, checked at save: one that does not
// compile, names a value the kind does not have, or cannot be formatted is refused with its position.

/** A text that fails the check: 422 on its field, with the line, column and offset the parser reported. */
function templateProblem(field: string, err: TemplateError) {
  const at = err.position;
  const error: FieldError & Partial<TemplatePosition> = {
    field,
    message: at ? `line ${at.line}, column ${at.column}: ${err.message}` : err.message,
    ...(at ? { line: at.line, column: at.column, offset: at.offset } : {}),
  };
  return error;
}

function checkTexts(kind: EmailKind, language: Language, texts: Partial<EmailMessages>) {
  const errors: FieldError[] = [];
  for (const part of ['subject', 'body'] as const) {
    const source = texts[part];
    if (source === undefined) continue;
    const err = checkMessage(kind, language, source);
    if (err) errors.push(templateProblem(`body.${part}`, err));
  }
  if (errors.length) throw invalidFields(errors);
}

/** Every kind in every language: the text in use (the firm's or Nudge's) and the values it may use. */
export async function listEmailKindTemplates(db: Db, firmId: string) {
  const [firm, rows] = await Promise.all([
    db.firm.findUniqueOrThrow({ where: { id: firmId }, select: { language: true } }),
    db.emailKindTemplate.findMany({ where: { firmId } }),
  ]);
  const own = new Map(rows.map((r) => [`${r.kind}:${r.language}`, r]));
  return {
    language: firm.language,
    languages: LANGUAGES,
    kinds: EMAIL_KINDS.map((kind) => ({
      kind,
      variables: EMAIL_VARIABLES[kind],
      texts: Object.fromEntries(
        LANGUAGES.map((language) => {
          const row = own.get(`${kind}:${language}`);
          return [
            language,
            row
              ? { source: 'firm', subject: row.subject, body: row.body, updatedAt: row.updatedAt }
              : { source: 'default', ...CATALOGS[language].emails[kind] },
          ];
        }),
      ),
    })),
  };
}

/** The firm's own subject and body for one kind in one language, replacing any it had. */
export async function saveEmailKindTemplate(
  db: Db,
  firmId: string,
  actor: Actor,
  kind: EmailKind,
  language: Language,
  texts: EmailMessages,
) {
  requireFirmAdmin(actor);
  checkTexts(kind, language, texts);
  return db.$transaction(async (tx) => {
    const row = await tx.emailKindTemplate.upsert({
      where: { firmId_kind_language: { firmId, kind, language } },
      create: { firmId, kind, language, ...texts },
      update: texts,
    });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'email_kind_template.saved',
      data: { kind, language },
    });
    return { kind, language, source: 'firm', subject: row.subject, body: row.body, updatedAt: row.updatedAt };
  });
}

/** Back to Nudge's text for this kind and language. */
export async function deleteEmailKindTemplate(
  db: Db,
  firmId: string,
  actor: Actor,
  kind: EmailKind,
  language: Language,
) {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    const gone = await tx.emailKindTemplate.deleteMany({ where: { firmId, kind, language } });
    if (gone.count === 0)
      throw new DomainError(
        'not-found',
        'not-found',
        'Email text not found',
        `The firm has no text of its own for ${kind} in ${language}.`,
      );
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'email_kind_template.deleted',
      data: { kind, language },
    });
  });
}

/** The language of the firm's emails, and of its contacts who have none of their own. */
export async function setFirmLanguage(db: Db, firmId: string, actor: Actor, language: Language) {
  requireFirmAdmin(actor);
  return db.$transaction(async (tx) => {
    // Two changes at once take turns, so each audits what the other wrote; NO KEY UPDATE leaves the firm's
    // inserts referring to its row unblocked.
    await tx.$executeRaw`SELECT 1 FROM "Firm" WHERE id = ${firmId}::uuid FOR NO KEY UPDATE`;
    const before = await tx.firm.findUniqueOrThrow({ where: { id: firmId }, select: { language: true } });
    await tx.firm.update({ where: { id: firmId }, data: { language } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'firm.language_changed',
      data: { from: before.language, to: language },
    });
    return { language };
  });
}

export interface PreviewRequest {
  kind: EmailKind;
  language: Language;
  /** Unsaved texts to try (each checked like a save); absent: the firm's text, else Nudge's. */
  subject?: string;
  body?: string;
  /** A real item to fill an item email with, instead of sample values. */
  item?: { kind: ItemKind; id: string };
}

/** Renders one kind in one language with sample values, or with a real item's, without sending anything. */
export async function previewEmail(db: Db, firmId: string, actor: Actor, req: PreviewRequest) {
  checkTexts(req.kind, req.language, req);
  const saved = await firmOverride(db, firmId, req.kind, req.language);
  const current = messagesFor(req.kind, req.language, saved);
  const texts = { subject: req.subject ?? current.subject, body: req.body ?? current.body };
  const source = req.subject !== undefined || req.body !== undefined ? 'preview' : saved ? 'firm' : 'default';
  const values = req.item
    ? await itemValues(db, firmId, actor, req.kind, req.item)
    : sampleValues(req.kind, CATALOGS[req.language]);
  const links = typeof values.link === 'string' ? [values.link] : [];
  const rendered = renderEmailKind(req.kind, req.language, values, { override: texts, links });
  return { kind: req.kind, language: req.language, source, ...rendered };
}

/** A real item's values for an item email preview (the firm user must see the item). */
async function itemValues(
  db: Db,
  firmId: string,
  actor: Actor,
  kind: EmailKind,
  item: { kind: ItemKind; id: string },
): Promise<MessageValues> {
  if (!kind.startsWith('item_') && kind !== 'activation_banner')
    throw invalid('body.itemId', 'a real item fills item emails only (item_notification, item_reminder, …)');
  const ref = await requireItemAccess(db, firmId, actor, item.kind, item.id);
  const [firm, account, facts] = await Promise.all([
    db.firm.findUniqueOrThrow({ where: { id: firmId }, select: { name: true } }),
    db.account.findUniqueOrThrow({ where: { id: ref.accountId }, select: { name: true } }),
    item.kind === 'chat'
      ? db.chatThread
          .findUniqueOrThrow({ where: { id: item.id }, select: { subject: true, createdAt: true } })
          .then((t) => ({ title: t.subject, createdAt: t.createdAt }))
      : (item.kind === 'signature'
          ? db.signatureRequest.findUniqueOrThrow({
              where: { id: item.id },
              select: { createdAt: true, document: { select: { name: true } } },
            })
          : db.approvalRequest.findUniqueOrThrow({
              where: { id: item.id },
              select: { createdAt: true, document: { select: { name: true } } },
            })
        ).then((r) => ({ title: r.document.name, createdAt: r.createdAt })),
  ]);
  const link = `https://portal.example/accounts/${ref.accountId}/${item.kind}/${item.id}`;
  return {
    firmName: firm.name,
    accountName: account.name,
    itemKind: item.kind,
    itemTitle: facts.title,
    link,
    message: '',
    sentOn: facts.createdAt,
    daysWaiting: Math.max(0, Math.floor((Date.now() - facts.createdAt.getTime()) / 86_400_000)),
    reminderNumber: 1,
  };
}
