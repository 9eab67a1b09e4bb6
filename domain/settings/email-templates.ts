// The firm's email templates (SPEC §7), used by GDPR statuses and their consent emails.
import type { Db } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, notFound } from '../errors';
import { changedKeys, lockSetting, requireFirmAdmin } from './admin';

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
