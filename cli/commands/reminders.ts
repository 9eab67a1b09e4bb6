// `nudge reminders explain <itemId>`: the reminder explainer (GET /v1/<kind>/<id>/reminders) as tables:
// the state, who receives reminders and why the others do not, and what was sent.
import type { Command } from 'commander';
import { api, globals, printJson } from '../options';
import { CliError } from '../api-client';
import { fields, table, type Cell } from '../table';

const KIND_PATHS = { chat: 'chat-threads', signature: 'signature-requests', approval: 'approval-requests' } as const;
type Kind = keyof typeof KIND_PATHS;

interface Explainer {
  item: { kind: string; id: string; accountId: string };
  pending: boolean;
  doneReason: string | null;
  settings: { enabled: boolean; intervalDays: number; count: number };
  remindersSent: number;
  workflow: {
    workflowId: string;
    status: string;
    stopReason: string | null;
    nextReminderAt: string | null;
    lastSentAt: string | null;
    manualResendsSent: number;
  } | null;
  recipients: {
    address: string;
    included: boolean;
    activationBanner: boolean;
    reason: string | null;
    bouncedAt?: string | null;
    bounceReason?: string | null;
    unsubscribedAt?: string;
    pausedUntil?: string | null;
  }[];
  warning?: string;
  /** When the next reminder falls due and when it goes (send windows, pauses), if the API has it. */
  nextReminder?: { dueAt: string; sendAt: string; explanation?: string } | null;
  pauses?: { item: { until: string } | null; contacts: { contactId: string; until: string }[] };
  /** `held`: a reminder a send window or pause held, and why. */
  dispatches: { kind: string; seq: number; at: string; recipients: number; held?: { explanation: string } }[];
  [more: string]: unknown;
}

const KNOWN = new Set([
  'item',
  'pending',
  'doneReason',
  'settings',
  'remindersSent',
  'workflow',
  'recipients',
  'warning',
  'dispatches',
  'nextReminder',
  'pauses',
]);

export function reminderCommands(program: Command) {
  const reminders = program.command('reminders').description('item reminders');
  reminders
    .command('explain')
    .description('why an item’s reminders did or did not go out, and to whom')
    .argument('<itemId>', 'a chat thread, signature request or approval request id')
    .option('--kind <kind>', 'chat, signature or approval (default: whichever the id is)')
    .action(async (itemId: string, opts: { kind?: string }, cmd: Command) => {
      // Own keys only: `in` also finds what every object inherits (toString, constructor, __proto__).
      if (opts.kind !== undefined && !Object.hasOwn(KIND_PATHS, opts.kind))
        throw new CliError('--kind: one of chat, signature, approval', 2);
      const client = api(cmd);
      const kinds = opts.kind ? [opts.kind as Kind] : (Object.keys(KIND_PATHS) as Kind[]);
      let found: Explainer | undefined;
      for (const kind of kinds) {
        found = await client.find<Explainer>(`/v1/${KIND_PATHS[kind]}/${encodeURIComponent(itemId)}/reminders`);
        if (found) break;
      }
      if (!found)
        throw new CliError(`no ${opts.kind ?? 'chat thread, signature or approval request'} ${itemId} in this firm`);
      if (globals(cmd).json) return printJson(found);
      console.log(render(found));
    });
}

function render(e: Explainer): string {
  const s = e.settings;
  const w = e.workflow;
  const parts = [
    fields([
      ['item', `${e.item.kind} ${e.item.id}`],
      ['account', e.item.accountId],
      ['pending', e.pending ? 'yes, the client has not acted' : `no (${e.doneReason})`],
      ['reminders', s.enabled ? `on: every ${s.intervalDays} days, at most ${s.count}` : 'off'],
      ['sent', `${e.remindersSent} of ${s.count} reminders`],
      ['workflow', w ? `${w.workflowId} (${w.status})` : 'not started'],
      ['next reminder', nextReminder(e)],
      ...pauses(e),
      ['last sent', w?.lastSentAt],
      ...(e.warning ? ([['warning', e.warning]] as [string, Cell][]) : []),
    ]),
    '',
    'Recipients',
    e.recipients.length
      ? table(
          ['address', 'receives', 'why not', 'activation link'],
          e.recipients.map((r) => [r.address, r.included, whyNot(r), r.activationBanner]),
        )
      : '  (no email linked to the account)',
    '',
    'Sent',
    e.dispatches.length
      ? table(
          ['what', 'n', 'at', 'recipients', 'held'],
          e.dispatches.map((d) => [d.kind, d.seq, d.at, d.recipients, d.held?.explanation]),
        )
      : '  (nothing yet)',
  ];
  // Newer explainer sections (send windows, pauses, …) shown as they come, one line per field.
  for (const [key, value] of Object.entries(e)) {
    if (KNOWN.has(key) || value === null || value === undefined) continue;
    parts.push('', key, typeof value === 'object' ? fields(flatten(value as object)) : String(value));
  }
  return parts.join('\n');
}

/** The reason an address gets no reminders, with its when and what where the explainer gives them. */
function whyNot(r: Explainer['recipients'][number]): Cell {
  if (r.reason === 'bounced') return `bounced ${r.bouncedAt ?? ''} ${r.bounceReason ?? ''}`.trim();
  if (r.reason === 'unsubscribed' && r.unsubscribedAt) return `unsubscribed ${r.unsubscribedAt}`;
  if (r.reason === 'paused' && r.pausedUntil) return `paused until ${r.pausedUntil}`;
  return r.reason;
}

function nextReminder(e: Explainer): Cell {
  const next = e.nextReminder;
  if (next) {
    const when = next.sendAt === next.dueAt ? next.sendAt : `${next.sendAt} (due ${next.dueAt})`;
    return next.explanation ? `${when}: ${next.explanation}` : when;
  }
  return e.workflow?.nextReminderAt ?? (e.workflow?.stopReason ? `none (${e.workflow.stopReason})` : null);
}

function pauses(e: Explainer): [string, Cell][] {
  const out: [string, Cell][] = [];
  if (e.pauses?.item) out.push(['paused', `until ${e.pauses.item.until}`]);
  for (const c of e.pauses?.contacts ?? []) out.push(['contact paused', `${c.contactId} until ${c.until}`]);
  return out;
}

function flatten(value: object, prefix = ''): [string, Cell][] {
  return Object.entries(value).flatMap(([k, v]): [string, Cell][] =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? flatten(v, `${prefix}${k}.`)
      : [
          [
            `${prefix}${k}`,
            Array.isArray(v)
              ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')
              : (v as Cell),
          ],
        ],
  );
}
