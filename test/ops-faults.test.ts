// Operator-facing faults on the real stack: a Temporal call the production worker's relay delivers later still
// joins the trace of the change that queued it; a mail server that never answers does not delay readiness; and
// two changes of the firm's email language at once audit one after the other.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { startStack, serveApp, eventually, type Stack, type FirmHandle } from './support/stack';
import { killWorker, spawnWorker, type WorkerProcess } from './support/worker-process';
import { startTracing, type Tracing } from '../observability/tracing';
import { createMailer } from '../domain/email/mailer';
import { commandBuilders } from '../domain/outbox/commands';
import { insertOutboxRows } from '../domain/outbox/outbox';
import { digestStart, digestWorkflowContract } from '../shared/contracts/digest';

let tracing: Tracing;
let stack: Stack;
let firm: FirmHandle;
let worker: WorkerProcess | undefined;
const cleanups: (() => Promise<unknown> | void)[] = [];

beforeAll(async () => {
  // This process traces (in memory) so the outbox row below carries the context of the change that wrote it.
  tracing = await startTracing({ serviceName: 'nudge-test', exporter: new InMemorySpanExporter() });
  // No relay here: the worker process's relay is the one that delivers.
  stack = await startStack({ worker: false, relay: false });
  firm = await stack.newFirm();
});
afterAll(async () => {
  await killWorker(worker);
  for (const c of cleanups.reverse()) await c();
  await stack?.stop();
  await tracing?.shutdown();
});

/** A loopback server that takes connections and never says a word (an SMTP server behind a blackhole). */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(async () => {
    // A closing greeting at last: the client's greeting timer ends with it, rather than 10 s later.
    for (const s of sockets) s.end('421 test over\r\n');
    await new Promise((r) => server.close(r));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => sockets.size };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

test('a call the worker process’s relay delivers continues the trace of the change that queued it', async () => {
  // Tracing on in the worker (exports to a closed port only fail, logged).
  worker = await spawnWorker(stack, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
  // A start queued by a traced change, for a task queue no worker polls (the workflow only has to exist).
  const start = digestStart(firm.firmId, randomUUID());
  const command = commandBuilders(`idle-${randomUUID()}`).start(digestWorkflowContract, start);
  const change = trace.getTracer('nudge-test').startSpan('change');
  await context.with(trace.setSpan(ROOT_CONTEXT, change), () =>
    stack.db.$transaction((tx) => insertOutboxRows(tx, [{ firmId: firm.firmId, command }])),
  );
  change.end();

  const handle = stack.client.workflow.getHandle(start.workflowId);
  await eventually(() => handle.describe(), 15_000, 'the worker’s relay to start the workflow');
  const history = await handle.fetchHistory();
  await handle.terminate('test done');
  const header = history.events?.[0].workflowExecutionStartedEventAttributes?.header?.fields?.['_tracer-data'];
  expect(header).toBeDefined();
  const carried = defaultPayloadConverter.fromPayload<{ traceparent?: string }>(header!);
  expect(carried.traceparent?.split('-')[1]).toBe(change.spanContext().traceId);
});

test('a mail server that never greets: /health/ready answers 200 degraded at once, logging in once', async () => {
  const smtp = await silentServer();
  const mailer = createMailer({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'x <x@x.test>' });
  cleanups.push(() => mailer.close());
  const api = await serveApp(stack, { mailer });
  cleanups.push(api.close);
  for (let probe = 0; probe < 3; probe++) {
    const started = Date.now();
    const res = await fetch(`${api.baseUrl}/health/ready`);
    const ms = Date.now() - started;
    const body = (await res.json()) as any;
    expect({ probe, status: res.status, body: body.status, smtp: body.checks.smtp.ok }).toEqual({
      probe,
      status: 200,
      body: 'degraded',
      smtp: false,
    });
    // 300 ms of waiting at most, with room for a loaded machine; the old readiness waited 3 s.
    expect(ms).toBeLessThan(2500);
  }
  // Probes in a row reuse the check under way instead of each opening a connection to the mail server.
  expect(smtp.connections()).toBe(1);
});

test('two changes of the email language at once: each audit entry starts from what the one before it wrote', async () => {
  const f = await stack.newFirm();
  const put = (language: string) => f.call('PUT', '/v1/email-language', { language });
  const pairs = [
    ['it', 'fr'],
    ['de', 'es'],
    ['en', 'it'],
    ['fr', 'de'],
    ['es', 'en'],
  ];
  for (const pair of pairs) {
    const answers = await Promise.all(pair.map(put));
    for (const a of answers) expect(a.status).toBe(200);
  }
  const audit = await stack.db.auditEvent.findMany({
    where: { firmId: f.firmId, action: 'firm.language_changed' },
    orderBy: { id: 'asc' },
  });
  const changes = audit.map((e) => e.data as { from: string; to: string });
  expect(changes).toHaveLength(10);
  expect(changes[0].from).toBe('en');
  for (let i = 1; i < changes.length; i++) expect(changes[i].from).toBe(changes[i - 1].to);
});
