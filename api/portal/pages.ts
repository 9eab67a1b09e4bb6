// The client pages' HTML: an item (thread, approval, signature) with the action still open to the client,
// invitation and activation pages, and the friendly error page. Every value goes through `html`, which
// escapes it. Forms post to this server with their single-purpose token in a hidden field.
import type { AccessPage } from '../../domain/portal/activation';
import type { ItemPage } from '../../domain/portal/item-page';
import { html, multiline, page, type Html } from './html';

export type Done = 'replied' | 'approved' | 'signed';

const DONE_TEXT: Record<Done, string> = {
  replied: 'Your reply has been sent.',
  approved: 'Thank you: the document is approved.',
  signed: 'Thank you: your signature is recorded.',
};

const STATUS_TEXT: Record<string, string> = {
  open: 'Open',
  archived: 'Closed',
  pending: 'Waiting for you',
  approved: 'Approved',
  signed: 'Signed',
  cancelled: 'Withdrawn',
};

const when = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

const hidden = (token: string) => html`<input type="hidden" name="token" value="${token}" />`;

export function itemPage(base: string, item: ItemPage, done?: Done): Html {
  const heading = html`${item.firmName} · ${item.accountName}`;
  const notice = done ? html`<p class="notice" role="status">${DONE_TEXT[done]}</p>` : '';
  const status = html`<span class="status" data-status="${item.status}"
    >${STATUS_TEXT[item.status] ?? item.status}</span
  >`;
  let content: Html;
  if (item.kind === 'chat') {
    const messages = (item.messages ?? []).map(
      (m) =>
        html`<div class="msg ${m.author}">
          <div class="who">${m.name} · ${when(m.at)}</div>
          <div class="body">${multiline(m.body)}</div>
        </div>`,
    );
    const reply =
      item.action?.purpose === 'reply'
        ? html`<form method="post" action="${base}/reply">
            ${hidden(item.action.token)}
            <label for="body">Your reply</label>
            <textarea id="body" name="body" required maxlength="20000"></textarea>
            <p><button type="submit">Send reply</button></p>
          </form>`
        : html`<p>This conversation is closed.</p>`;
    content = html`${messages}${reply}`;
  } else if (item.kind === 'approval') {
    const note = item.note ? html`<p>${multiline(item.note)}</p>` : '';
    const approve =
      item.action?.purpose === 'approve'
        ? html`<p>${item.firmName} asks you to review and approve this document.</p>
            <form method="post" action="${base}/approve">
              ${hidden(item.action.token)}<button type="submit">Approve</button>
            </form>`
        : '';
    content = html`${note}${approve}`;
  } else {
    const signers = (item.signers ?? []).map(
      (s) => html`<li>${s.name}${s.you ? ' (you)' : ''}: ${s.signed ? 'signed' : 'not signed yet'}</li>`,
    );
    const sign =
      item.action?.purpose === 'sign'
        ? html`<p>${item.firmName} asks you to sign this document.</p>
            <form method="post" action="${base}/sign">
              ${hidden(item.action.token)}<button type="submit">Mark as signed</button>
            </form>`
        : '';
    content = html`<ul>
        ${signers}
      </ul>
      ${sign}`;
  }
  return page(
    item.title,
    html`${notice}
      <h1>${item.title}</h1>
      <p>${status} Hello ${item.contactName}.</p>
      ${content}`,
    heading,
  );
}

export function invitationPage(base: string, token: string, p: AccessPage): Html {
  const body = p.active
    ? html`<h1>You already have access</h1>
        <p>The portal access for ${p.address} is already active.</p>`
    : html`<h1>${p.firmName} invites you</h1>
        <p>Hello ${p.contactName}, ${p.firmName} invites you to its client portal with ${p.address}.</p>
        <form method="post" action="${base}/invitations/accept">
          ${hidden(token)}<button type="submit">Accept invitation</button>
        </form>`;
  return page('Portal invitation', body, p.firmName);
}

export function activationPage(base: string, token: string, p: AccessPage): Html {
  const body = p.active
    ? html`<h1>Your account is active</h1>
        <p>${p.address} has access to the portal of ${p.firmName}.</p>`
    : html`<h1>Activate your account</h1>
        <p>Hello ${p.contactName}, activate the portal access of ${p.address} at ${p.firmName}.</p>
        <form method="post" action="${base}/activate">${hidden(token)}<button type="submit">Activate</button></form>`;
  return page('Activate your account', body, p.firmName);
}

export function acceptedPage(firmName: string, accounts: { name: string }[]): Html {
  const list = accounts.length
    ? html`<p>Your accounts:</p>
        <ul>
          ${accounts.map((a) => html`<li>${a.name}</li>`)}
        </ul>`
    : '';
  return page(
    'Welcome',
    html`<h1>Welcome</h1>
      <p class="notice" role="status">Your account is active.</p>
      ${list}`,
    firmName,
  );
}

export function errorPage(title: string, detail?: string): Html {
  return page(
    title,
    html`<h1>${title}</h1>
      <p class="problem">${detail ?? ''}</p>`,
  );
}

export const landingPage = () =>
  page(
    'Nudge client pages',
    html`<h1>Client pages</h1>
      <p>Open the link in the email your accountant sent you to see what they are waiting for.</p>`,
  );
