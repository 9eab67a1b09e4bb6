// A signature or approval request written as ONE statement (issue 10), as a firm message is (chat.ts): the
// access check of requireDocumentAccess, the request, its reminder settings (the input over the firm's policy
// for the kind over the defaults, as saveSettings merges them), the audit entry, the outbox row of the arm
// call and the request's Idempotency-Key marked committed: the rows the services' transactions write.
import type { Db } from '../../prisma/client';
import * as sig from '../../shared/contracts/item-reminder';
import { validateSettings } from '../../shared/reminder-policy';
import { DEFAULT_REMINDER_SETTINGS } from '../../shared/reminder-types';
import type { Actor } from '../access/access';
import { mayOpenAccount } from '../access/access-sql';
import { hotQuery, hotRaw, hotSql, type HotFragment } from '../outbox/hot-sql';
import { markRequestKey, type StatementRow } from '../outbox/one-statement';
import { givenSettings } from '../reminder-policy/rules';
import type { ReminderInput } from './item-refs';
import type { ItemWorkflows } from './reminder-workflows';

export interface DocumentRequest {
  firmId: string;
  actor: Actor;
  documentId: string;
  kind: 'signature' | 'approval';
  /** The new request's id and creation time, as `item` writes them. */
  id: string;
  now: Date;
  reminders?: ReminderInput;
  /** The request's row: `INSERT … SELECT … FROM ok RETURNING id` (`ok` holds the document's "accountId"). */
  item: HotFragment;
  /** Further CTEs written with the request, each followed by a comma, e.g. the signers (from `r`, its id). */
  rows?: HotFragment;
  /** Further CTEs read before anything is written (row locks `onlyIf` counts), each followed by a comma; from `d`. */
  locks?: HotFragment;
  /** A further condition for writing anything, on the document's account `d."accountId"`. */
  onlyIf?: HotFragment;
  audit: { action: string; data: unknown };
}

/**
 * Writes the request and everything with it in one round trip, then delivers its workflow's call. The
 * account id, or null when it wrote nothing (no such document, no right, `onlyIf` false) or the settings are
 * invalid: the caller's usual transaction then gives the refusal.
 */
export async function writeDocumentRequest(
  db: Db,
  workflows: ItemWorkflows,
  q: DocumentRequest,
): Promise<string | null> {
  // Merged over the kind's policy, then the defaults, as settingsToSave merges them (in the statement below).
  const given = givenSettings(q.reminders);
  if (validateSettings({ ...DEFAULT_REMINDER_SETTINGS, ...given })) return null;
  const { firmId, kind, now } = q;
  const call = workflows.armInStatement(
    { firmId, kind, itemId: q.id },
    { from: 'ok, r', now },
    sig.itemRequestedSignal,
  );
  const defaults = DEFAULT_REMINDER_SETTINGS;
  const [row] = await hotQuery<StatementRow>(
    db,
    hotSql`
    WITH d AS (
      SELECT doc."accountId", a.id IS NOT NULL AND a.status = 'active' AS "accountFound",
        ${mayOpenAccount(q.actor, 'doc."accountId"')} AS allowed
      FROM "Document" doc LEFT JOIN "Account" a ON a.id = doc."accountId" AND a."firmId" = ${firmId}::uuid
      WHERE doc.id = ${q.documentId}::uuid AND doc."firmId" = ${firmId}::uuid
    ), ${q.locks ?? hotRaw('')} ok AS (
      SELECT "accountId" FROM d WHERE "accountFound" AND allowed AND (${q.onlyIf ?? hotRaw('true')})
    ), r AS (${q.item}
    ), ${q.rows ?? hotRaw('')} p AS (
      SELECT enabled, "intervalDays", count, "sendWindow" FROM "FirmReminderPolicy"
      WHERE "firmId" = ${firmId}::uuid AND "itemKind" = ${kind}::"ItemKind"
    ), s AS (
      INSERT INTO "ReminderSettings" ("firmId", "itemKind", "itemId", enabled, "intervalDays", count, source,
        "sendWindow", "updatedAt")
      SELECT ${firmId}::uuid, ${kind}::"ItemKind", r.id,
        COALESCE(${given.enabled ?? null}::boolean, p.enabled, ${defaults.enabled}::boolean),
        COALESCE(${given.intervalDays ?? null}::int, p."intervalDays", ${defaults.intervalDays}::int),
        COALESCE(${given.count ?? null}::int, p.count, ${defaults.count}::int),
        ${Object.keys(given).length ? 'own' : 'policy'}::"ReminderSettingsSource", COALESCE(p."sendWindow", 'firm'),
        ${now}::timestamp(3)
      FROM r LEFT JOIN p ON true
    ), au AS (
      INSERT INTO "AuditEvent" ("firmId", "accountId", "contactId", "actorType", "actorId", action, "itemKind",
        "itemId", data, "createdAt")
      SELECT ${firmId}::uuid, ok."accountId", NULL, 'firm_user', ${q.actor.id}, ${q.audit.action}::text,
        ${kind}::"ItemKind", r.id, ${JSON.stringify(q.audit.data)}::jsonb, ${now}::timestamp(3)
      FROM ok, r
    ), o AS (${call.row}
    ), k AS (${markRequestKey(now, 'r')})
    SELECT ok."accountId"::text AS "accountId", o.id AS "outboxId", o.claimed FROM ok, o`,
  );
  if (!row) return null;
  await call.deliver(row);
  return row.accountId;
}
