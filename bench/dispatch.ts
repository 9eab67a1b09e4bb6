// One reminder's dispatch, by what the firm has turned on (`npx tsx bench/dispatch.ts`): the domain code a
// reminder's send activity runs (domain/items/dispatch.ts), called directly over a fresh database and an SMTP
// capture on loopback, for a firm with nothing on, one with a webhook endpoint subscribed to reminder events,
// and one with digests on. For each: BENCH_DISPATCH_ITEMS (200) approval requests, each sent its notification
// (as a workflow run's first read sends it, with the snapshot: notifyItem) and then its one automatic reminder (the last of its count), one after the other. Printed per dispatch: SQL
// statements and transactions (counted on the pool, Prisma's included), CPU of this process (the dispatcher,
// the pg and SMTP clients and the SMTP capture) and of PostgreSQL, and the p50 time. Items are created through
// createItemsService on a Temporal dev server whose workflows no worker runs, so only the direct calls send.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { createDb, pgPoolOf } from '../prisma/client';
import { dropDatabase } from '../prisma/migration-runner';
import { createFirm } from '../domain/firms/firms';
import { createMailer } from '../domain/email/mailer';
import { createItemsService } from '../domain/items/items';
import { createItemDispatcher } from '../domain/items/dispatch';
import { readItemSnapshot } from '../domain/items/snapshot';
import { createReminderOutbox, createReminderWorkflows } from '../domain/items/reminder-workflows';
import { createOutbox } from '../domain/outbox/outbox';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { dispatchKey } from '../shared/contracts/item-reminder';
import type { DispatchKind, ItemRef } from '../shared/reminder-types';
import { startSmtpCapture } from '../test/support/smtp-capture';
import {
  PORTAL_URL,
  cleanupOnExit,
  countPoolStatements,
  cpuDiff,
  cpuSample,
  createBenchDatabase,
  envInt,
  fmt,
  log,
  percentile,
  seedClients,
  startTemporal,
  table,
  temporalDynamicConfig,
  trackStack,
} from './support';

const ITEMS = envInt('BENCH_DISPATCH_ITEMS', 200);
const SETUPS = ['nothing on', 'webhook endpoint', 'digests on'] as const;
type Setup = (typeof SETUPS)[number];

async function main() {
  const cleanup = cleanupOnExit();
  const url = await createBenchDatabase();
  cleanup.steps.push(() => dropDatabase(url));
  trackStack(undefined, new URL(url).pathname.slice(1));
  const db = createDb(url);
  const sql = countPoolStatements(pgPoolOf(db)!); // before the pool's first connection
  cleanup.steps.push(() => db.$disconnect());
  const env = await startTemporal(temporalDynamicConfig());
  cleanup.steps.push(() => env.teardown());
  const smtp = await startSmtpCapture();
  cleanup.steps.push(() => smtp.close());
  const mailer = createMailer({
    host: '127.0.0.1',
    port: smtp.port,
    secure: false,
    from: 'Nudge <no-reply@nudge.bench>',
  });
  cleanup.steps.push(() => mailer.close());
  const client = new Client({ connection: env.connection });
  const gateway = createTemporalGateway({ client, taskQueue: `bench-dispatch-${randomUUID()}` });
  const items = createItemsService(db, {
    ...createReminderWorkflows({ gateway, daySeconds: 60 }),
    ...createReminderOutbox(createOutbox(db, gateway), 60),
  });
  const dispatcher = createItemDispatcher({ db, mailer, portalUrl: PORTAL_URL });

  const rows: (string | number)[][] = [];
  try {
    for (const setup of SETUPS) {
      const refs = await seedItems(setup);
      for (const kind of ['notification', 'reminder'] as const) {
        const r = await measure(refs, kind);
        rows.push([
          setup,
          kind,
          fmt(r.statements, 2),
          fmt(r.transactions, 2),
          fmt(r.selfMs, 2),
          fmt(r.postgresMs, 2),
          fmt(r.p50Ms, 2),
          r.top,
        ]);
        log(`${setup}, ${kind}: ${fmt(r.statements, 2)} statements per dispatch`);
      }
    }
  } finally {
    await cleanup.run();
  }
  console.log(`\nOne dispatch, by what the firm has on (${ITEMS} approval requests each, one at a time)\n`);
  console.log(
    table(
      [
        'firm',
        'dispatch',
        'SQL statements',
        'transactions',
        'CPU ms: this process',
        'CPU ms: PostgreSQL',
        'p50 ms',
        'statements (per dispatch)',
      ],
      rows,
    ),
  );

  /** A firm with `setup` on and ITEMS approval requests with one automatic reminder each. */
  async function seedItems(setup: Setup): Promise<{ item: ItemRef; cycleKey: string }[]> {
    const { firm, owner } = await createFirm(db, {
      name: `Bench Dispatch Firm (${setup})`,
      owner: { email: `owner-${randomUUID()}@firm.bench`, name: 'Bench Owner' },
    });
    if (setup === 'webhook endpoint')
      await db.webhookEndpoint.create({
        data: {
          firmId: firm.id,
          url: 'https://hooks.bench.invalid/nudge',
          secret: `whsec_${randomUUID()}`,
          eventTypes: ['reminder.sent', 'item.reminders_exhausted'],
        },
      });
    if (setup === 'digests on')
      await db.firmDigestSetting.create({ data: { firmId: firm.id, enabled: true, windowMinutes: 60 } });
    const clients = await seedClients(db, firm.id, ITEMS, 'dispatch');
    const docs = clients.map((c, i) => ({
      id: randomUUID(),
      firmId: firm.id,
      accountId: c.accountId,
      name: `Doc ${i}`,
    }));
    await db.document.createMany({ data: docs });
    const refs = [];
    for (const doc of docs) {
      const r = await items.requestApproval(firm.id, owner, doc.id, {
        reminders: { enabled: true, intervalDays: 1, count: 1 },
      });
      const item: ItemRef = { firmId: firm.id, accountId: doc.accountId, kind: 'approval', itemId: r.id };
      refs.push({ item, cycleKey: (await readItemSnapshot(db, item)).cycleKey });
    }
    return refs;
  }

  async function measure(refs: { item: ItemRef; cycleKey: string }[], kind: DispatchKind) {
    const times: number[] = [];
    sql.reset();
    const cpu0 = cpuSample();
    for (const { item, cycleKey } of refs) {
      const workflowId = `bench-${item.itemId}`;
      const t = performance.now();
      // A notification as a workflow run sends it: with its first read (notifyItem), the snapshot included.
      const result =
        kind === 'notification'
          ? (await dispatcher.notifyItem(item, { workflowId })).result
          : await dispatcher.dispatchItemEmail({
              item,
              kind,
              dispatchKey: dispatchKey(workflowId, cycleKey, kind, 1),
              cycleKey,
              seq: 1,
            });
      times.push(performance.now() - t);
      if (result?.status !== 'sent') throw new Error(`${kind} of ${item.itemId}: ${JSON.stringify(result)}`);
    }
    const cpu1 = cpuSample();
    const counts = sql.read();
    const per = (x: number) => x / refs.length;
    return {
      statements: per(counts.statements),
      transactions: per(counts.begins),
      selfMs: per((cpu1.self - cpu0.self) * 1000),
      postgresMs: per(cpuDiff(cpu0, cpu1).postgres * 1000),
      p50Ms: percentile(times, 50),
      top: counts.byStatement.map((s) => `${s.sql} ×${fmt(per(s.count), 2)}`).join('; '),
    };
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
