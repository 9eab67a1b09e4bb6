// The reminder pipeline's own SQL (issue 10): what one dispatch needs to know is read in one statement, and
// recorded (after the item's row lock) in one more, on the pg pool under the Prisma client (hot-sql.ts).
// Prisma's query builder cost several times the statements themselves in worker CPU (bench/README.md).
import type { Queryable } from '../../prisma/client';
import { hotQuery, placeFragment, type HotFragment, type HotStatement, type HotTx } from '../outbox/hot-sql';
import type { DispatchKind, DoneReason, ItemKind, ItemRef } from '../../shared/reminder-types';
import type { EmailRow as CandidateEmailRow } from './recipient-lookup';

/** Milliseconds since the epoch of a timestamp column (stored in UTC without a zone, as Prisma writes them). */
const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;

/**
 * Where an item's reminder cycle stands, as one row (none: the item was deleted). $1 is the item id and $2
 * the firm id in every statement that embeds it. Reminders always concern a chat thread's latest message; a
 * client message there means the client replied; a reopen starts a new cycle for the same message.
 */
const CYCLE_SQL: Record<ItemKind, string> = {
  chat: `
    SELECT CASE WHEN m.id IS NULL THEN 'no_firm_message'
                WHEN t.status = 'archived' OR a.status = 'archived' THEN 'archived'
                WHEN m.author = 'client' THEN 'replied' END AS "doneReason",
      coalesce(m.id::text, t.id::text) AS "subjectKey",
      coalesce(m.id::text || '.r' || t."reopenCount", t.id::text) AS "cycleKey",
      CASE WHEN m.id IS NOT NULL AND t."reopenCount" > 0 THEN ${ms('t."reopenedAt"')} END AS "restartedAt",
      t.subject AS title, ${ms('t."createdAt"')} AS "createdAt"
    FROM "ChatThread" t JOIN "Account" a ON a.id = t."accountId"
    LEFT JOIN LATERAL (
      SELECT id, author FROM "ChatMessage" WHERE "threadId" = t.id ORDER BY "createdAt" DESC, id DESC LIMIT 1
    ) m ON true
    WHERE t.id = $1::uuid AND t."firmId" = $2::uuid`,
  signature: requestCycleSql('"SignatureRequest"', 'signed'),
  approval: requestCycleSql('"ApprovalRequest"', 'approved'),
};

/** A signature or approval request: done once completed or withdrawn, or while its account is archived. */
function requestCycleSql(table: string, completed: 'signed' | 'approved'): string {
  return `
    SELECT CASE WHEN r.status = '${completed}' THEN '${completed}'
                WHEN r.status = 'cancelled' THEN 'cancelled'
                WHEN a.status = 'archived' THEN 'archived' END AS "doneReason",
      r.id::text AS "subjectKey", r.id::text AS "cycleKey", NULL::float8 AS "restartedAt",
      d.name AS title, ${ms('r."createdAt"')} AS "createdAt"
    FROM ${table} r JOIN "Account" a ON a.id = r."accountId" JOIN "Document" d ON d.id = r."documentId"
    WHERE r.id = $1::uuid AND r."firmId" = $2::uuid`;
}

export interface CycleRow {
  doneReason: DoneReason | null;
  subjectKey: string;
  cycleKey: string;
  /** When a reopen restarted the schedule (ms), else null. */
  restartedAt: number | null;
  title: string;
  createdAt: number;
}

/** The item's own settings row and the firm's policy for the kind ($1 item id, $2 firm id, $4 item kind). */
const SETTINGS_SQL = `
      (SELECT row_to_json(s) FROM (
        SELECT enabled, "intervalDays", count, source::text AS source, "sendWindow"::text AS "sendWindow"
        FROM "ReminderSettings" WHERE "itemKind" = $4::text::"ItemKind" AND "itemId" = $1::uuid) s) AS settings,
      (SELECT row_to_json(s) FROM (
        SELECT enabled, "intervalDays", count, "sendWindow"::text AS "sendWindow"
        FROM "FirmReminderPolicy" WHERE "firmId" = $2::uuid AND "itemKind" = $4::text::"ItemKind") s) AS policy`;

export interface SettingsRow {
  enabled: boolean;
  intervalDays: number;
  count: number;
  sendWindow: 'firm' | 'anytime';
}

export interface SnapshotFacts {
  cycle: CycleRow | null;
  settings: (SettingsRow & { source: 'own' | 'policy' }) | null;
  policy: SettingsRow | null;
  /** When the cycle's notification was recorded (ms), or null. */
  notificationAt: number | null;
  /** Automatic reminders recorded in the cycle, and when the last one was. */
  reminders: number;
  lastReminderAt: number | null;
}

/**
 * What the snapshot reads of the cycle's dispatches, as fragments after `cyc` ($1 item id, $4 item kind): the
 * cycle's notification key (the key around its subject key, `before` and `after` the parameters giving it),
 * its automatic reminders as a CTE body, and, from that CTE (named sent), their count and the last one's time.
 */
const notificationKeySql = (before: string, after: string) =>
  `${before}::text || coalesce((SELECT "subjectKey" FROM cyc), $1::text) || ${after}::text`;
const CYCLE_REMINDERS_SQL = `
      SELECT seq, "createdAt" FROM "ReminderDispatch"
      WHERE "itemKind" = $4::text::"ItemKind" AND "itemId" = $1::uuid
        AND "cycleKey" = coalesce((SELECT "cycleKey" FROM cyc), $1::text) AND kind = 'reminder'`;
const SENT_COLUMNS_SQL = `(SELECT count(*)::int FROM sent) AS reminders,
      (SELECT ${ms('"createdAt"')} FROM sent ORDER BY seq DESC LIMIT 1) AS "lastReminderAt"`;

/**
 * What the reminder workflow decides on, in one statement: the cycle, the settings, and what went out in
 * it. `notificationKey` is the notification's dispatch key around its subject key (the cycle decides it).
 */
export async function selectSnapshotFacts(
  db: Queryable,
  item: ItemRef,
  notificationKey: { before: string; after: string },
): Promise<SnapshotFacts> {
  const [row] = await hotQuery<SnapshotFacts>(db, {
    text: `
    WITH cyc AS (${CYCLE_SQL[item.kind]}),
    sent AS (${CYCLE_REMINDERS_SQL})
    SELECT
      (SELECT row_to_json(cyc) FROM cyc) AS cycle,
      ${SETTINGS_SQL},
      (SELECT ${ms('d."createdAt"')} FROM "ReminderDispatch" d
        WHERE d."dispatchKey" = ${notificationKeySql('$3', '$5')}) AS "notificationAt",
      ${SENT_COLUMNS_SQL}`,
    values: [item.itemId, item.firmId, notificationKey.before, item.kind, notificationKey.after],
  });
  return row;
}

/** A candidate email as the recipient rules read it, with what its email needs. */
export interface EmailRow extends CandidateEmailRow {
  address: string;
  bounced: boolean;
  /** The contact's own language and time zone, unchecked. */
  language: string | null;
  timeZone: string | null;
}

export interface DispatchFacts {
  cycle: CycleRow | null;
  /** Every email of every contact linked to the account, by contact then address. */
  emails: EmailRow[];
  /** The request's signers (signature requests only; empty otherwise). */
  signers: { contactId: string; pending: boolean }[];
  settings: (SettingsRow & { source: 'own' | 'policy' }) | null;
  policy: SettingsRow | null;
  firm: { name: string; language: string } | null;
  accountName: string | null;
  sendWindow: { timeZone: string; hours: unknown; closedDays: string[] } | null;
  digestOn: boolean | null;
  hasWebhooks: boolean;
  /** Pauses running now of the item and of the account's contacts (`until` in ms). */
  pauses: { contactId: string | null; until: number }[];
  /** The firm's own texts for the dispatch's email kind and the activation banner, every language. */
  templates: { kind: string; language: string; subject: string; body: string }[];
  existing: { createdAt: number; recipients: number } | null;
  /** Contact emails whose copy of this dispatch went in their digest. */
  digested: string[];
  resendMessage: string | null;
  /** Only when read for the cycle's notification (`notificationKey`): the cycle's automatic reminders. */
  sent: Pick<SnapshotFacts, 'reminders' | 'lastReminderAt'> | null;
}

/**
 * Everything one dispatch reads, in one statement. A run's first notification does not know its dispatch key
 * yet (its subject is the cycle's): `notificationKey` gives the key around the subject key, as
 * selectSnapshotFacts takes it, and the statement also reads what the workflow's snapshot needs.
 */
export async function selectDispatchFacts(
  db: Queryable,
  p: {
    item: ItemRef;
    emailKind: string;
    dispatchKey: string | { notificationKey: { before: string; after: string } };
    resendId: string | null;
    now: Date;
  },
): Promise<DispatchFacts> {
  const { item } = p;
  const around = typeof p.dispatchKey === 'string' ? null : p.dispatchKey.notificationKey;
  const statement: HotStatement = {
    text: `
    WITH cyc AS (${CYCLE_SQL[item.kind]}),
    dkey AS (SELECT coalesce($8::text, ${notificationKeySql('$10', '$11')}) AS k),
    sent AS (${CYCLE_REMINDERS_SQL} AND $10::text IS NOT NULL),
    emails AS (
      SELECT e.id, e."contactId", e.address, e.login::text AS login, e.notify, e."prefDocumentUploads",
        e."prefSignatures", e."prefApprovals", e."prefMessages", e."prefProposals", e."prefQuestionnaires",
        e."prefInvoices", e."prefClientRequests", e."bouncedAt" IS NOT NULL AS bounced, c.active AS "contactActive",
        c.language, c."timeZone"
      FROM "ContactEmail" e JOIN "Contact" c ON c.id = e."contactId"
      WHERE e."firmId" = $2::uuid
        AND EXISTS (
          SELECT 1 FROM "AccountContact" ac WHERE ac."contactId" = e."contactId" AND ac."accountId" = $3::uuid
        )
    )
    SELECT
      (SELECT row_to_json(cyc) FROM cyc) AS cycle,
      (SELECT coalesce(json_agg(emails ORDER BY emails."contactId", emails.address), '[]') FROM emails) AS emails,
      (SELECT coalesce(json_agg(json_build_object('contactId', s."contactId", 'pending', s."signedAt" IS NULL)), '[]')
        FROM "SignatureSigner" s WHERE s."requestId" = $1::uuid AND $4::text = 'signature') AS signers,
      ${SETTINGS_SQL},
      (SELECT row_to_json(f) FROM (SELECT name, language FROM "Firm" WHERE id = $2::uuid) f) AS firm,
      (SELECT name FROM "Account" WHERE id = $3::uuid) AS "accountName",
      (SELECT row_to_json(w) FROM (
        SELECT "timeZone", hours, "closedDays" FROM "FirmSendWindow" WHERE "firmId" = $2::uuid) w) AS "sendWindow",
      (SELECT enabled FROM "FirmDigestSetting" WHERE "firmId" = $2::uuid) AS "digestOn",
      EXISTS (SELECT 1 FROM "WebhookEndpoint" WHERE "firmId" = $2::uuid AND "disabledAt" IS NULL) AS "hasWebhooks",
      (SELECT coalesce(json_agg(json_build_object('contactId', r."contactId", 'until', ${ms('r.until')})), '[]')
        FROM "ReminderPause" r
        WHERE r."firmId" = $2::uuid AND r.until > $5::timestamp(3)
          AND (r.target = $6::text OR r."contactId" IN (SELECT "contactId" FROM emails))) AS pauses,
      (SELECT coalesce(
          json_agg(json_build_object('kind', kind, 'language', language, 'subject', subject, 'body', body)), '[]')
        FROM "EmailKindTemplate" WHERE "firmId" = $2::uuid AND kind IN ($7::text, 'activation_banner')) AS templates,
      (SELECT json_build_object('createdAt', ${ms('"createdAt"')}, 'recipients', recipients)
        FROM "ReminderDispatch" WHERE "dispatchKey" = (SELECT k FROM dkey)) AS existing,
      (SELECT coalesce(json_agg("contactEmailId"), '[]') FROM "DigestEntry"
        WHERE "dispatchKey" = (SELECT k FROM dkey)) AS digested,
      (SELECT message FROM "ManualResend" WHERE id = $9::uuid) AS "resendMessage",
      (SELECT row_to_json(s) FROM (SELECT ${SENT_COLUMNS_SQL}) s WHERE $10::text IS NOT NULL) AS sent`,
    values: [
      item.itemId,
      item.firmId,
      item.accountId,
      item.kind,
      p.now.toISOString(),
      `${item.kind}:${item.itemId}`,
      p.emailKind,
      typeof p.dispatchKey === 'string' ? p.dispatchKey : null,
      p.resendId,
      around?.before ?? null,
      around?.after ?? null,
    ],
  };
  const [row] = await hotQuery<DispatchFacts>(db, statement);
  return row;
}

/** What recordDispatch writes besides the dispatch row: the audit entry's actor, action and data. */
export interface DispatchRecord {
  item: ItemRef;
  kind: DispatchKind;
  cycleKey: string;
  seq: number;
  dispatchKey: string;
  recipients: number;
  actor: { type: 'firm_user' | 'system'; id: string | null };
  action: string;
  data: unknown;
  now: Date;
  /** The item's portal to-dos written with the dispatch: created for these contact emails, or moved up (`bump`);
   * a notification (a thread's new message) opens and moves up the ones a reply or an archive closed. */
  todos: { contactEmailIds: string[]; title: string; bump: boolean };
  /** A signature request's signers (contact ids) the recipients and to-dos were decided with as still to sign:
   * one who signed since (read after the lock) means nothing is written, and `signedSince` names them. */
  pendingSigners?: string[];
  /** More CTEs written with the dispatch (a reminder's webhook events), given the name of the CTE that holds the
   * dispatch row when it is written (none when it is not). */
  also?: ((dispatchRow: string) => HotFragment | null) | null;
}

/**
 * Automatic reminder $7 is still allowed by the stored settings ($1 item, $2 firm, $6 kind): the item's row, else
 * the firm's policy, else Nudge's defaults (which never change). The send checked the same before the item's
 * lock; looked at again under it, a settings change that committed in between is seen (it takes that lock).
 */
const REMINDER_ALLOWED_SQL = `COALESCE(
          (SELECT enabled AND $7::int <= count FROM "ReminderSettings"
            WHERE "itemKind" = $6::text::"ItemKind" AND "itemId" = $1::uuid),
          (SELECT enabled AND $7::int <= count FROM "FirmReminderPolicy"
            WHERE "firmId" = $2::uuid AND "itemKind" = $6::text::"ItemKind"),
          true)`;

/**
 * Inside the dispatch's transaction, once the item's row is locked: looks at the cycle again and, unless the
 * item is done, (for an automatic one) its cycle moved on, or (a reminder) the stored settings no longer allow
 * it, writes the dispatch row, its audit entry, the portal to-dos (a to-do is never created after the item was
 * closed) and what `also` writes with them.
 * Answers the cycle as it stands now (null: the item is gone), the dispatch's time when it was written, and
 * (signature requests) the pending signers given who have signed by now, in which case nothing was written.
 */
export async function recordDispatch(db: Queryable | HotTx, r: DispatchRecord) {
  const { item } = r;
  const values = [
    item.itemId,
    item.firmId,
    r.kind,
    r.cycleKey,
    item.accountId,
    item.kind,
    r.seq,
    r.dispatchKey,
    r.recipients,
    r.now.toISOString(),
    r.actor.type,
    r.actor.id,
    r.action,
    JSON.stringify(r.data),
    r.todos.title,
    r.todos.contactEmailIds,
    r.todos.bump,
  ];
  // A signature request's signers are read again here, after the lock (a statement's own snapshot).
  const pending = item.kind === 'signature' ? `$${values.push(r.pendingSigners ?? [])}::uuid[]` : null;
  const signedSql = pending
    ? `
    signed AS (
      SELECT "contactId" FROM "SignatureSigner"
      WHERE "requestId" = $1::uuid AND "signedAt" IS NOT NULL AND "contactId" = ANY(${pending})
    ),`
    : '';
  const also = r.also?.('d');
  const alsoText = also ? `, ${placeFragment(values, also)}` : '';
  const [row] = await hotQuery<{
    found: boolean;
    doneReason: DoneReason | null;
    createdAt: number | null;
    signedSince: string[];
  }>(db, {
    values,
    text: `
    WITH cyc AS (${CYCLE_SQL[item.kind]}),${signedSql}
    ok AS (
      SELECT 1 FROM cyc WHERE "doneReason" IS NULL
        AND ($3::text = 'manual'
          OR (CASE WHEN $3::text = 'notification' THEN "subjectKey" ELSE "cycleKey" END) = $4::text)
        AND ($3::text <> 'reminder' OR ${REMINDER_ALLOWED_SQL})
        ${pending ? 'AND NOT EXISTS (SELECT 1 FROM signed)' : ''}
    ), d AS (
      INSERT INTO "ReminderDispatch"
        (id, "firmId", "accountId", "itemKind", "itemId", "cycleKey", kind, seq, "dispatchKey", recipients, "createdAt")
      SELECT gen_random_uuid(), $2::uuid, $5::uuid, $6::text::"ItemKind", $1::uuid, $4::text, $3::text::"DispatchKind",
        $7::int, $8::text,
        $9::int, $10::timestamp(3)
      FROM ok
      RETURNING "createdAt"
    ), a AS (
      INSERT INTO "AuditEvent"
        ("firmId", "accountId", "contactId", "actorType", "actorId", action, "itemKind", "itemId", data, "createdAt")
      SELECT $2::uuid, $5::uuid, NULL, $11::text, $12::text, $13::text, $6::text::"ItemKind", $1::uuid, $14::jsonb,
        $10::timestamp(3)
      FROM d
    ), t AS (
      INSERT INTO "PortalTodo" (id, "firmId", "accountId", "contactEmailId", "itemKind", "itemId", title, status,
        "bumpedAt", "createdAt")
      SELECT gen_random_uuid(), $2::uuid, $5::uuid, e, $6::text::"ItemKind", $1::uuid, $15::text, 'open',
        $10::timestamp(3), $10::timestamp(3)
      FROM d, unnest($16::uuid[]) e
      ON CONFLICT ("contactEmailId", "itemKind", "itemId")
        DO UPDATE SET "bumpedAt" = EXCLUDED."bumpedAt", status = 'open' WHERE $17::boolean OR $3::text = 'notification'
    )${alsoText}
    SELECT cyc."cycleKey" IS NOT NULL AS found, cyc."doneReason", (SELECT ${ms('"createdAt"')} FROM d) AS "createdAt",
      ${pending ? `(SELECT coalesce(json_agg("contactId"), '[]') FROM signed)` : `'[]'::json`} AS "signedSince"
    FROM (SELECT 1) one LEFT JOIN cyc ON true`,
  });
  return row;
}
