// The firm's GDPR consent statuses (SPEC §7); contacts hold a status by name, so a rename carries over.
import type { Db } from '../../prisma/client';
import { isUniqueViolation } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { conflict, notFound } from '../errors';
import { lockSetting, requireFirmAdmin, requireTemplateRef } from './admin';

export async function createGdprStatus(
  db: Db,
  firmId: string,
  actor: Actor,
  input: { name: string; emailTemplateId?: string },
) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      if (input.emailTemplateId) await requireTemplateRef(tx, firmId, input.emailTemplateId, 'body.emailTemplateId');
      const s = await tx.gdprStatusDefinition.create({
        data: { firmId, name: input.name, emailTemplateId: input.emailTemplateId ?? null },
      });
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'gdpr_status.created',
        data: { gdprStatusId: s.id, name: s.name },
      });
      return s;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('name-taken', 'Name already in use', 'The firm already has a GDPR status with this name.');
    throw err;
  }
}

export const listGdprStatuses = (db: Db, firmId: string) =>
  db.gdprStatusDefinition.findMany({ where: { firmId }, orderBy: { name: 'asc' } });

/**
 * Renames a status or changes its template (null: no template). Contacts hold their status by name, so a
 * rename carries over to every contact holding the old name, in the same transaction; their timelines
 * keep the name as it was when it was set.
 */
export async function updateGdprStatus(
  db: Db,
  firmId: string,
  actor: Actor,
  statusId: string,
  patch: { name?: string; emailTemplateId?: string | null },
) {
  requireFirmAdmin(actor);
  try {
    return await db.$transaction(async (tx) => {
      await lockSetting(tx, 'gdprStatus', firmId, statusId, 'update');
      const before = await tx.gdprStatusDefinition.findFirst({ where: { id: statusId, firmId } });
      if (!before) throw notFound('GDPR status', statusId);
      if (patch.emailTemplateId) await requireTemplateRef(tx, firmId, patch.emailTemplateId, 'body.emailTemplateId');
      const s = await tx.gdprStatusDefinition.update({ where: { id: statusId }, data: patch });
      const renamed =
        s.name !== before.name
          ? await tx.contact.updateMany({ where: { firmId, gdprStatus: before.name }, data: { gdprStatus: s.name } })
          : { count: 0 };
      await audit(tx, {
        firmId,
        actorId: actor.id,
        action: 'gdpr_status.updated',
        data: {
          gdprStatusId: s.id,
          from: { name: before.name, emailTemplateId: before.emailTemplateId },
          to: { name: s.name, emailTemplateId: s.emailTemplateId },
          contactsRenamed: renamed.count,
        },
      });
      return s;
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw conflict('name-taken', 'Name already in use', 'The firm already has a GDPR status with this name.');
    throw err;
  }
}

/** Refused while contacts hold the status: their consent record would name a status the firm no longer has. */
export async function deleteGdprStatus(db: Db, firmId: string, actor: Actor, statusId: string) {
  requireFirmAdmin(actor);
  await db.$transaction(async (tx) => {
    await lockSetting(tx, 'gdprStatus', firmId, statusId, 'update');
    const s = await tx.gdprStatusDefinition.findFirst({ where: { id: statusId, firmId } });
    if (!s) throw notFound('GDPR status', statusId);
    const holders = await tx.contact.count({ where: { firmId, gdprStatus: s.name } });
    if (holders > 0) {
      throw conflict(
        'gdpr-status-in-use',
        'GDPR status in use',
        `${holders} contact(s) currently have the GDPR status "${s.name}"; set them to another status first.`,
      );
    }
    await tx.gdprStatusDefinition.delete({ where: { id: statusId } });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'gdpr_status.deleted',
      data: { gdprStatusId: statusId, name: s.name },
    });
  });
}
