// What every firm setting (email templates, GDPR statuses, custom action definitions) shares: only
// owners and admins change them, and a change locks the definition it is about.
import type { Tx } from '../../prisma/client';
import { Prisma } from '../../prisma/client';
import type { Actor } from '../access/access';
import { forbidden, invalid } from '../errors';

/** Firm settings (GDPR statuses, email templates, custom action definitions) are for owners and admins. */
export function requireFirmAdmin(actor: Actor): void {
  if (actor.role === 'employee') throw forbidden('Only the owner and admins may change the firm’s settings.');
}

const SETTINGS_TABLES = {
  emailTemplate: Prisma.sql`"EmailTemplate"`,
  gdprStatus: Prisma.sql`"GdprStatusDefinition"`,
  customAction: Prisma.sql`"CustomActionDefinition"`,
} as const;

/**
 * Definitions refer to each other by id (a GDPR status to its template) and contacts hold a GDPR status
 * by name, with no foreign keys. So a change or delete locks its definition FOR UPDATE before checking
 * what refers to it, and a write that refers to a definition locks it FOR SHARE: either the reference
 * commits first and the check sees it, or the delete does and the reference finds nothing.
 */
export async function lockSetting(
  tx: Tx,
  table: keyof typeof SETTINGS_TABLES,
  firmId: string,
  id: string,
  mode: 'update' | 'share',
) {
  const lock = mode === 'update' ? Prisma.sql`FOR UPDATE` : Prisma.sql`FOR SHARE`;
  await tx.$executeRaw`SELECT 1 FROM ${SETTINGS_TABLES[table]} WHERE id = ${id}::uuid AND "firmId" = ${firmId}::uuid ${lock}`;
}

/** An email template of the firm that a GDPR status or email is about to refer to; invalid on the field otherwise. */
export async function requireTemplateRef(tx: Tx, firmId: string, templateId: string, field: string) {
  await lockSetting(tx, 'emailTemplate', firmId, templateId, 'share');
  if (!(await tx.emailTemplate.findFirst({ where: { id: templateId, firmId } }))) {
    throw invalid(field, 'no such email template in this firm');
  }
}

/** The fields a patch actually sets, for the audit entry. */
export const changedKeys = (patch: object) =>
  Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
