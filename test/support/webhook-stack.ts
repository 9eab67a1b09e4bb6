// The webhook tests' stack: a worker and an API instance that allow private targets (as
// WEBHOOKS_ALLOW_PRIVATE_TARGETS=true does), and a receiver on loopback that records every request and
// answers as the test's `answer` says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NativeConnection } from '@temporalio/worker';
import { createNudgeWorker } from '../../worker/worker';
import {
  PORTAL_URL,
  serveApp,
  startStack,
  workflowBundle,
  type ApiResponse,
  type FirmHandle,
  type Stack,
} from './stack';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Answers one request, which is already recorded last in `received`. */
export type Answer = (req: Received, res: http.ServerResponse, received: Received[]) => void;

export interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

export function startReceiver(answer: Answer): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const request = { path: req.url ?? '', headers: req.headers as Record<string, string>, body };
      received.push(request);
      answer(request, res, received);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        received,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

export interface WebhookStack {
  stack: Stack;
  firm: FirmHandle;
  receiver: Receiver;
  /** The API instance that allows private targets (the receiver is on loopback). */
  allowing: Awaited<ReturnType<typeof serveApp>>;
  stop(): Promise<void>;
}

/** The worker's activity slots on its task queue (absent: its default) and its attempts' HTTP deadline. */
export interface WebhookStackOptions {
  maxConcurrentActivities?: number;
  attemptTimeoutMs?: number;
}

export async function startWebhookStack(answer: Answer, opts: WebhookStackOptions = {}): Promise<WebhookStack> {
  const stack = await startStack({ daySeconds: 1, worker: false });
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await createNudgeWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    deps: {
      db: stack.db,
      mailer: stack.mailer,
      portalUrl: PORTAL_URL,
      webhooks: { allowPrivateTargets: true, timeoutMs: opts.attemptTimeoutMs },
    },
    workflowBundle: await workflowBundle(),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
  });
  const running = worker.run();
  const firm = await stack.newFirm();
  const receiver = await startReceiver(answer);
  const allowing = await serveApp(stack, { webhooksAllowPrivateTargets: true });
  return {
    stack,
    firm,
    receiver,
    allowing,
    async stop() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await allowing.close();
      await receiver.close();
      await stack.stop();
    },
  };
}

/**
 * Calls the API that allows private targets (the receiver is on loopback) with `firm`'s key, as its owner or
 * `actingUser`, with any extra headers (an Idempotency-Key).
 */
export function callAllowing(
  allowing: WebhookStack['allowing'],
  firm: FirmHandle,
  method: string,
  path: string,
  body?: unknown,
  opts: { actingUser?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  return fetch(allowing.baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${firm.apiKey}`,
      'x-acting-user': opts.actingUser ?? firm.ownerId,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => {
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
  });
}
