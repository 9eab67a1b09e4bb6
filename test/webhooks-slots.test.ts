// Webhook delivery attempts run on a task queue of their own (`<task queue>-webhooks`) with slots of their own:
// attempts left waiting by endpoints that do not answer never hold the activity slots the emails need. The
// worker here has 2 activity slots on its task queue and an attempt deadline of a minute, so on one shared queue
// three hanging attempts would keep an invitation email waiting for that minute.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { recordWebhookEvent } from '../domain/webhooks/events';
import { eventually, type Stack } from './support/stack';
import { callAllowing, startWebhookStack, type Answer, type WebhookStack } from './support/webhook-stack';
import { accountWithContacts } from './support/fixtures';

const HANGING = 3;

/** /hang holds every request until the test answers it; the moment a held request ends is noted. */
const held: http.ServerResponse[] = [];
const ended: number[] = [];
const answer: Answer = (req, res) => {
  if (req.path !== '/hang') return void res.writeHead(200).end('ok');
  held.push(res);
  res.on('close', () => ended.push(Date.now()));
};

let webhookStack: WebhookStack;
let stack: Stack;

beforeAll(async () => {
  webhookStack = await startWebhookStack(answer, { maxConcurrentActivities: 2, attemptTimeoutMs: 60_000 });
  ({ stack } = webhookStack);
});
afterAll(async () => {
  held.splice(0).forEach((r) => r.writeHead(200).end('ok'));
  await webhookStack?.stop();
});

test('attempts hanging on an endpoint hold none of the slots an invitation email needs', async () => {
  const { firm, receiver, allowing } = webhookStack;
  const endpoint = await callAllowing(allowing, firm, 'POST', '/v1/webhooks', {
    url: `${receiver.url}/hang`,
    eventTypes: ['reminder.sent'],
  });
  expect(endpoint.status).toBe(201);
  const keys = Array.from({ length: HANGING }, () => `slots-${randomUUID()}`);
  for (const key of keys)
    await recordWebhookEvent(stack.db, { firmId: firm.firmId, type: 'reminder.sent', key, data: { key } });
  // More attempts waiting on the endpoint at once than the task queue has slots.
  await eventually(async () => held.length === HANGING, 30_000, `${HANGING} attempts waiting on the endpoint`);

  const acc = await accountWithContacts(firm, [{ login: 'off' }]);
  const { address, emailId } = acc.contacts[0];
  const invited = await firm.call('PATCH', `/v1/contact-emails/${emailId}`, { login: 'pending' });
  expect(invited.status).toBe(200);
  const [mail] = await stack.smtp.waitFor(
    (m) => m.to.includes(address) && /invites you to its client portal/.test(m.subject),
    1,
    30_000,
  );
  // Sent while every attempt was still waiting: none had to end to free a slot.
  expect(ended.filter((t) => t <= mail.receivedAt)).toEqual([]);
  expect(held).toHaveLength(HANGING);

  // Answered now, the attempts deliver, each once.
  held.splice(0).forEach((r) => r.writeHead(200).end('ok'));
  await eventually(
    async () =>
      (await stack.db.webhookDelivery.count({
        where: { endpointId: endpoint.body.id, eventKey: { in: keys }, status: 'delivered' },
      })) === HANGING,
    30_000,
    'the held deliveries delivered',
  );
  expect(receiver.received.filter((r) => r.path === '/hang')).toHaveLength(HANGING);
});
