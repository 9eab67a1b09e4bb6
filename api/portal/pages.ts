// The client pages' HTML: an item (thread, approval, signature) with the action still open to the client,
// invitation and activation pages, and the friendly error page. Every value goes through `html`, which
// escapes it. Forms post to this server with their single-purpose token in a hidden field, to a URL relative
// to the page (`root`, the portal's root seen from it: routes.ts), so a gateway's path prefix is kept. The
// texts are the `portal` part of the email catalogs (domain/email/messages/), in the contact's language; times
// are in the contact's zone, as in their emails.
import { randomUUID } from 'node:crypto';
import { CATALOGS, type Language, type PortalTexts } from '../../domain/email/messages';
import { formatMessage, type MessageValues } from '../../domain/email/render';
import type { AccessPage } from '../../domain/portal/activation';
import type { ItemPage } from '../../domain/portal/item-page';
import { html, multiline, page, type Html } from './html';

export type Done = 'replied' | 'approved' | 'signed';

/** The client pages' texts in `language`, and a formatter for those that name values. */
function textsIn(language: Language) {
  const t = CATALOGS[language].portal;
  return { t, f: (text: string, values: MessageValues) => formatMessage(text, language, values) };
}

/** A signature still pending that this client has signed, or is not asked to sign, waits for the others. */
function statusText(t: PortalTexts, item: ItemPage): string {
  const mine = item.signers?.some((s) => s.you && !s.signed);
  if (item.kind === 'signature' && item.status === 'pending' && !mine) return t.status.waitingForOthers;
  return t.status[item.status as keyof PortalTexts['status']] ?? item.status;
}

/** A message's time, in the contact's language and zone, the zone named. */
const when = (d: Date, language: Language, timeZone: string) =>
  new Intl.DateTimeFormat(language, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(d);

const hidden = (token: string) => html`<input type="hidden" name="token" value="${token}" />`;

/** A new id each time the form is shown: the same form sent twice is one reply (domain/portal/portal.ts). */
const formId = () => html`<input type="hidden" name="formId" value="${randomUUID()}" />`;

export function itemPage(root: string, item: ItemPage, done?: Done): Html {
  const { t, f } = textsIn(item.language);
  const heading = html`${item.firmName} · ${item.accountName}`;
  const notice = done ? html`<p class="notice" role="status">${t.done[done]}</p>` : '';
  const status = html`<span class="status" data-status="${item.status}">${statusText(t, item)}</span>`;
  let content: Html;
  if (item.kind === 'chat') {
    const messages = (item.messages ?? []).map(
      (m) =>
        html`<div class="msg ${m.author}">
          <div class="who">${m.name} · ${when(m.at, item.language, item.timeZone)}</div>
          <div class="body">${multiline(m.body)}</div>
        </div>`,
    );
    const reply =
      item.action?.purpose === 'reply'
        ? html`<form method="post" action="${root}reply">
            ${hidden(item.action.token)}${formId()}
            <label for="body">${t.reply.label}</label>
            <textarea id="body" name="body" required maxlength="20000"></textarea>
            <p><button type="submit">${t.reply.button}</button></p>
          </form>`
        : html`<p>${t.reply.closed}</p>`;
    content = html`${messages}${reply}`;
  } else if (item.kind === 'approval') {
    const note = item.note ? html`<p>${multiline(item.note)}</p>` : '';
    const approve =
      item.action?.purpose === 'approve'
        ? html`<p>${f(t.approve.ask, { firmName: item.firmName })}</p>
            <form method="post" action="${root}approve">
              ${hidden(item.action.token)}<button type="submit">${t.approve.button}</button>
            </form>`
        : '';
    content = html`${note}${approve}`;
  } else {
    const signers = (item.signers ?? []).map(
      (s) => html`<li>${s.name}${s.you ? ` (${t.sign.you})` : ''}: ${s.signed ? t.sign.signed : t.sign.notSigned}</li>`,
    );
    const sign =
      item.action?.purpose === 'sign'
        ? html`<p>${f(t.sign.ask, { firmName: item.firmName })}</p>
            <form method="post" action="${root}sign">
              ${hidden(item.action.token)}<button type="submit">${t.sign.button}</button>
            </form>`
        : '';
    content = html`<ul>
        ${signers}
      </ul>
      ${sign}`;
  }
  return page(
    item.language,
    item.title,
    html`${notice}
      <h1>${item.title}</h1>
      <p>${status} ${f(t.hello, { name: item.contactName })}</p>
      ${content}`,
    heading,
  );
}

export function invitationPage(root: string, token: string, p: AccessPage): Html {
  const { t, f } = textsIn(p.language);
  const values = { firmName: p.firmName, contactName: p.contactName, address: p.address };
  const body = p.active
    ? html`<h1>${t.invitation.activeHeading}</h1>
        <p>${f(t.invitation.activeBody, values)}</p>`
    : html`<h1>${f(t.invitation.heading, values)}</h1>
        <p>${f(t.invitation.body, values)}</p>
        <form method="post" action="${root}invitations/accept">
          ${hidden(token)}<button type="submit">${t.invitation.button}</button>
        </form>`;
  return page(p.language, t.invitation.title, body, p.firmName);
}

export function activationPage(root: string, token: string, p: AccessPage): Html {
  const { t, f } = textsIn(p.language);
  const values = { firmName: p.firmName, contactName: p.contactName, address: p.address };
  const body = p.active
    ? html`<h1>${t.activation.activeHeading}</h1>
        <p>${f(t.activation.activeBody, values)}</p>`
    : html`<h1>${t.activation.title}</h1>
        <p>${f(t.activation.body, values)}</p>
        <form method="post" action="${root}activate">
          ${hidden(token)}<button type="submit">${t.activation.button}</button>
        </form>`;
  return page(p.language, t.activation.title, body, p.firmName);
}

export function acceptedPage(language: Language, firmName: string, accounts: { name: string }[]): Html {
  const { t } = textsIn(language);
  const list = accounts.length
    ? html`<p>${t.accepted.accounts}</p>
        <ul>
          ${accounts.map((a) => html`<li>${a.name}</li>`)}
        </ul>`
    : '';
  return page(
    language,
    t.accepted.title,
    html`<h1>${t.accepted.title}</h1>
      <p class="notice" role="status">${t.accepted.notice}</p>
      ${list}`,
    firmName,
  );
}

export function errorPage(language: Language, title: string, detail?: string): Html {
  return page(
    language,
    title,
    html`<h1>${title}</h1>
      <p class="problem">${detail ?? ''}</p>`,
    CATALOGS[language].portal.title,
  );
}

export const landingPage = (language: Language) => {
  const { t } = textsIn(language);
  return page(
    language,
    t.title,
    html`<h1>${t.title}</h1>
      <p>${t.landing}</p>`,
    t.title,
  );
};
