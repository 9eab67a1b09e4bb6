// The firm's digest setting (issue 12): on or off, and how long a digest collects an address's reminders
// (minutes on the reminder clock). Everyone reads it; owners and admins change it.
import type { Db, Queryable } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { invalid } from '../errors';
import { requireFirmAdmin } from '../settings/admin';

export interface DigestSetting {
  enabled: boolean;
  /** A digest goes this long after the first reminder it carries fell due (1 to 1440). */
  windowMinutes: number;
}

export const DIGEST_LIMITS = { minWindowMinutes: 1, maxWindowMinutes: 1440 } as const;
/** A firm that never chose: no digests (each reminder goes alone), an hour's window once turned on. */
export const DEFAULT_DIGEST_SETTING: DigestSetting = { enabled: false, windowMinutes: 60 };

export async function readDigestSetting(db: Queryable, firmId: string): Promise<DigestSetting> {
  const row = await db.firmDigestSetting.findUnique({ where: { firmId } });
  return row ? { enabled: row.enabled, windowMinutes: row.windowMinutes } : { ...DEFAULT_DIGEST_SETTING };
}

export async function getDigestSetting(db: Db, firmId: string) {
  return { digest: await readDigestSetting(db, firmId) };
}

/** Replaces the setting; reminders already waiting for a digest still go in it. */
export async function putDigestSetting(db: Db, firmId: string, actor: Actor, input: DigestSetting) {
  requireFirmAdmin(actor);
  const { minWindowMinutes: min, maxWindowMinutes: max } = DIGEST_LIMITS;
  if (!Number.isInteger(input.windowMinutes) || input.windowMinutes < min || input.windowMinutes > max)
    throw invalid('body.windowMinutes', `must be a whole number of minutes from ${min} to ${max}`);
  const data = { enabled: input.enabled, windowMinutes: input.windowMinutes };
  await db.$transaction(async (tx) => {
    // Two changes at once take turns, so each audits what the other wrote. The firm's row (the setting's may not
    // exist yet), first and only; NO KEY UPDATE leaves the firm's inserts referring to it unblocked.
    await tx.$executeRaw`SELECT 1 FROM "Firm" WHERE id = ${firmId}::uuid FOR NO KEY UPDATE`;
    const before = await readDigestSetting(tx, firmId);
    await tx.firmDigestSetting.upsert({ where: { firmId }, create: { firmId, ...data }, update: data });
    await audit(tx, {
      firmId,
      actorId: actor.id,
      action: 'digest.settings_changed',
      data: { from: { ...before }, to: data },
    });
  });
  return { digest: data };
}

/** The window's real length: a minute is 1/1440 of a reminder day (REMINDER_DAY_SECONDS; 86400 in production). */
export const windowMs = (setting: DigestSetting, daySeconds = 86_400) =>
  Math.max(1, Math.round((setting.windowMinutes * daySeconds * 1000) / 1440));
