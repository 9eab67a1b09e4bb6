// Renders the notification, reminder and resend emails of an item: subject, plain text and HTML.
import { escapeHtml } from './text';
import type { DispatchKind, ItemKind } from '../../shared/reminder-types';

export interface ItemEmailInput {
  firmName: string;
  accountName: string;
  itemKind: ItemKind;
  itemTitle: string;
  dispatchKind: DispatchKind;
  /** Link to the item in the client portal. */
  link: string;
  /** Set when the recipient's portal login is still pending activation. */
  activationLink?: string;
  /** Personal message added to a manual resend. */
  message?: string;
}

const WHAT: Record<ItemKind, { noun: string; action: string }> = {
  chat: { noun: 'a message', action: 'read and reply to the message' },
  signature: { noun: 'a document to sign', action: 'sign the document' },
  approval: { noun: 'a document to approve', action: 'review and approve the document' },
};

export function renderItemEmail(input: ItemEmailInput): { subject: string; text: string; html: string } {
  const what = WHAT[input.itemKind];
  const subject =
    input.dispatchKind === 'notification'
      ? `${input.firmName} sent you ${what.noun}: ${input.itemTitle}`
      : `Reminder from ${input.firmName}: ${input.itemTitle}`;
  const intro =
    input.dispatchKind === 'notification'
      ? `${input.firmName} sent you ${what.noun} for ${input.accountName}: "${input.itemTitle}".`
      : `${input.firmName} is still waiting for you to ${what.action} for ${input.accountName}: "${input.itemTitle}".`;
  const lines = [
    ...(input.activationLink ? [`Activate your account to respond: ${input.activationLink}`, ''] : []),
    intro,
    ...(input.message ? ['', input.message] : []),
    '',
    `Open it in your portal: ${input.link}`,
  ];
  const banner = input.activationLink
    ? `<p style="background:#fff4d6;padding:12px;border-radius:4px"><strong>Activate your account</strong> to respond: <a href="${escapeHtml(input.activationLink)}">activate now</a></p>`
    : '';
  const html = [
    banner,
    `<p>${escapeHtml(intro)}</p>`,
    input.message ? `<p>${escapeHtml(input.message).replace(/\n/g, '<br>')}</p>` : '',
    `<p><a href="${escapeHtml(input.link)}">Open it in your portal</a></p>`,
  ].join('\n');
  return { subject, text: lines.join('\n'), html };
}
