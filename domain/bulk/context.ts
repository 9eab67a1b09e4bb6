// What every account step of one bulk action needs to know, read once per action (not per account):
// the action, the starting user's rights, the firm's name, the template the action names and the chat
// policy a message's reminder settings are merged onto. (The tags are read by each step, under a lock.)
import type { Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import type { BulkParams } from '../../shared/bulk-actions';
import { reminderSettingsFrom, type ItemReminderSettings } from '../items/snapshot';

export interface BulkContext {
  bulkActionId: string;
  firmId: string;
  firmName: string;
  params: BulkParams;
  dryRun: boolean;
  /** null when the user who started it has been removed or deactivated: every account is then skipped. */
  actor: Actor | null;
  /** The user who started it has been deactivated (the skip reason says so). */
  actorDeactivated?: boolean;
  /** apply_folder_template: the template's folders; null once it has been deleted. */
  folderPaths: string[] | null;
  chatTemplate: { name: string; body: string } | null;
  /** send_message with reminders: what a new thread's settings are before the input (the firm's chat policy). */
  chatPolicy: ItemReminderSettings | null;
  daySeconds: number;
}

export async function loadBulkContext(db: Db, bulkActionId: string, daySeconds: number): Promise<BulkContext> {
  const action = await db.bulkAction.findUniqueOrThrow({ where: { id: bulkActionId } });
  const params = action.params as unknown as BulkParams;
  const [firm, user] = await Promise.all([
    db.firm.findUniqueOrThrow({ where: { id: action.firmId }, select: { name: true } }),
    db.firmUser.findFirst({
      where: { id: action.startedBy, firmId: action.firmId },
      select: { id: true, role: true, canViewAllAccounts: true, deactivatedAt: true },
    }),
  ]);
  let folderPaths: string[] | null = [];
  if (params.kind === 'apply_folder_template') {
    const template = await db.folderTemplate.findFirst({
      where: { id: params.folderTemplateId, firmId: action.firmId },
    });
    folderPaths = template ? (template.folders as string[]) : null;
  }
  const chatTemplate =
    params.kind === 'send_message'
      ? await db.chatTemplate.findFirst({
          where: { id: params.chatTemplateId, firmId: action.firmId },
          select: { name: true, body: true },
        })
      : null;
  // Read once per action like the template: a policy changed mid-run reaches its threads within the cache's ttl.
  const chatPolicy =
    params.kind === 'send_message' && params.reminders
      ? reminderSettingsFrom(
          null,
          await db.firmReminderPolicy.findUnique({
            where: { firmId_itemKind: { firmId: action.firmId, itemKind: 'chat' } },
          }),
        )
      : null;
  return {
    bulkActionId,
    firmId: action.firmId,
    firmName: firm.name,
    params,
    dryRun: action.dryRun,
    // Deactivated since it started: no actor, so its remaining accounts are skipped, saying why.
    actor:
      user && !user.deactivatedAt
        ? { id: user.id, role: user.role, canViewAllAccounts: user.canViewAllAccounts }
        : null,
    actorDeactivated: !!user?.deactivatedAt,
    folderPaths,
    chatTemplate,
    chatPolicy,
    daySeconds,
  };
}

/**
 * A small per-process cache: an action's accounts are processed by the same worker many times a second,
 * and its params never change. Rights are re-read after `ttlMs` so a demoted user stops quickly.
 */
export function bulkContextCache(db: Db, ttlMs = 10_000, max = 50) {
  const entries = new Map<string, { at: number; ctx: Promise<BulkContext> }>();
  return (bulkActionId: string, daySeconds: number): Promise<BulkContext> => {
    const hit = entries.get(bulkActionId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.ctx;
    const ctx = loadBulkContext(db, bulkActionId, daySeconds);
    ctx.catch(() => entries.delete(bulkActionId));
    entries.delete(bulkActionId);
    entries.set(bulkActionId, { at: Date.now(), ctx });
    if (entries.size > max) entries.delete(entries.keys().next().value!);
    return ctx;
  };
}
