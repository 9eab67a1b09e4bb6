// Tracing on the real stack, with an in-memory span exporter (test-only configuration of
// observability/tracing.ts): one API request that starts a reminder workflow gives one trace, from the
// request through signal-with-start, the workflow and its activity to the SMTP call, and the request's
// log lines carry that trace id; a call the background relay delivers later still joins the trace of the
// change that queued it.
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import pino from 'pino';
import { startStack, serveApp, eventually, type Stack, type FirmHandle } from './support/stack';
import { lockAccounts, postThenLeave } from './support/holds';
import { startTracing, traceLogFields, type Tracing } from '../observability/tracing';
import { WORKFLOW_INTERCEPTORS_MODULE, tracingClientInterceptors } from '../observability/temporal-tracing';
import { createNudgeWorker, type NudgeWorker } from '../worker/worker';
import { workflowBundleOptions } from '../worker/workflow-bundle';
import { createTemporalGateway } from '../domain/temporal/gateway';
import { commandBuilders } from '../domain/outbox/commands';
import { insertOutboxRows } from '../domain/outbox/outbox';
import { createRelay } from '../domain/outbox/relay';
import { digestStart, digestWorkflowContract } from '../shared/contracts/digest';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let stack: Stack;
let firm: FirmHandle;
let api: Awaited<ReturnType<typeof serveApp>>;
let nativeConnection: NativeConnection;
let worker: NudgeWorker;
let running: Promise<void>;
let temporal: Client;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  tracing = await startTracing({ serviceName: 'nudge-test', exporter });
  // No background relay in this process: the relay round below must be the one that delivers its row (the
  // loop, polling every 200 ms with an untraced client, took it first once on a loaded machine).
  stack = await startStack({ daySeconds: 1, worker: false, relay: false });
  firm = await stack.newFirm();
  // The API with a traced Temporal client and a logger that keeps its lines (at debug: the request lines).
  temporal = new Client({ connection: stack.client.connection, interceptors: await tracingClientInterceptors() });
  const log = pino(
    { level: 'debug', mixin: traceLogFields },
    { write: (line: string) => logLines.push(JSON.parse(line)) },
  );
  api = await serveApp(stack, { temporal, log });
  // A worker with the workflow interceptors in its bundle, and the activity interceptors.
  nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never;
  worker = await createNudgeWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deps: { db: stack.db, mailer: stack.mailer, portalUrl: 'http://portal.test' },
    workflowBundle: await bundleWorkflowCode({
      ...workflowBundleOptions(),
      workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_MODULE],
      logger: quiet,
    }),
    tracing,
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await nativeConnection?.close();
  await api?.close();
  await stack?.stop();
  await tracing?.shutdown();
});

const call = (method: string, path: string, body?: unknown) =>
  fetch(api.baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${firm.apiKey}`,
      'x-acting-user': firm.ownerId,
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

test('one trace from the API request through signal-with-start, the workflow and its activity to the SMTP send', async () => {
  const account = await call('POST', '/v1/accounts', { name: 'Traced family', type: 'individual' });
  expect(account.status).toBe(201);
  const address = `client-${randomUUID()}@client.test`;
  const contact = await call('POST', '/v1/contacts', {
    firstName: 'Tina',
    lastName: 'Trace',
    emails: [{ address, login: 'active' }],
    accounts: [{ accountId: account.body.id }],
  });
  expect(contact.status).toBe(201);
  const thread = await call('POST', `/v1/accounts/${account.body.id}/chat-threads`, {
    subject: 'Receipts',
    message: { body: 'Please upload your receipts' },
  });
  expect(thread.status).toBe(201);
  await stack.smtp.waitFor((m) => m.to.includes(address), 1, 30_000);

  const named = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
  const request = await eventually(
    async () => named('POST /v1/accounts/:accountId/chat-threads')[0],
    10_000,
    'the request span',
  );
  const traceId = request.spanContext().traceId;
  const inTrace = (name: string) => named(name).filter((s) => s.spanContext().traceId === traceId);
  // The SMTP span ends inside the activity, whose span ends before the workflow's: wait for the last one.
  await eventually(async () => inTrace('RunWorkflow:itemReminderWorkflow').length > 0 || undefined, 15_000);
  expect(inTrace('SignalWithStartWorkflow:itemReminderWorkflow')).toHaveLength(1);
  // A new thread's notification is its workflow run's first read (notifyItem, patched('notify-first')).
  expect(inTrace('RunActivity:notifyItem').length).toBeGreaterThanOrEqual(1);
  expect(inTrace('smtp send')).toHaveLength(1);

  // Parent links hold the trace together: every span of it but the request has its parent in it.
  const spans: ReadableSpan[] = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans)
    if (s !== request)
      expect({ span: s.name, parentKnown: ids.has(s.parentSpanContext?.spanId ?? '') }).toEqual({
        span: s.name,
        parentKnown: true,
      });
  expect(request.parentSpanContext).toBeUndefined();
  const smtp = inTrace('smtp send')[0];
  const activity = spans.find((s) => s.spanContext().spanId === smtp.parentSpanContext?.spanId);
  expect(activity?.name).toBe('RunActivity:notifyItem');
  // No client personal data on the spans.
  expect(JSON.stringify(spans.map((s) => [s.name, s.attributes]))).not.toContain(address);

  // Every log line of that request names its trace.
  const requestLines = logLines.filter((l) => l.path === `/v1/accounts/${account.body.id}/chat-threads`);
  expect(requestLines.length).toBeGreaterThan(0);
  for (const line of requestLines) expect(line.traceId).toBe(traceId);
});

test('a request whose client left before its answer still ends its span, with status 499', async () => {
  const name = `Left ${randomUUID()}`;
  // Hold the account table so the create waits until its client gives up.
  const unlock = await lockAccounts(stack.db);
  try {
    await postThenLeave(firm, `${api.baseUrl}/v1/accounts`, { name, type: 'company' }, 500);
    const span = await eventually(
      async () =>
        exporter
          .getFinishedSpans()
          .find((s) => s.name === 'POST /v1/accounts' && s.attributes['http.response.status_code'] === 499),
      5_000,
      'the request span',
    );
    expect(span.attributes['http.route']).toBe('/v1/accounts');
  } finally {
    await unlock();
  }
});

test('a call the background relay delivers later continues the trace of the change that queued it', async () => {
  // A start queued by a traced change, for a task queue no worker polls (the workflow only has to exist).
  const gateway = createTemporalGateway({ client: temporal, taskQueue: `idle-${randomUUID()}` });
  const start = digestStart(firm.firmId, randomUUID());
  const command = commandBuilders(gateway.taskQueue).start(digestWorkflowContract, start);
  const change = trace.getTracer('nudge-test').startSpan('change');
  await context.with(trace.setSpan(ROOT_CONTEXT, change), () =>
    stack.db.$transaction((tx) => insertOutboxRows(tx, [{ firmId: firm.firmId, command }])),
  );
  change.end();
  // Delivered afterwards by a relay round that runs outside any trace, as the background relay does.
  const round = await context.with(ROOT_CONTEXT, () => createRelay(stack.db, gateway).round([start.workflowId]));
  expect(round.delivered).toBe(1);
  const { traceId, spanId } = change.spanContext();
  const started = exporter
    .getFinishedSpans()
    .filter((s) => s.name === 'StartWorkflow:digestWorkflow' && s.spanContext().traceId === traceId);
  expect(started).toHaveLength(1);
  expect(started[0].parentSpanContext?.spanId).toBe(spanId);
  await temporal.workflow.getHandle(start.workflowId).terminate('test done');
});
