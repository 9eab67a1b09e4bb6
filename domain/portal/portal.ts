// The built-in client pages' operations (issue 11): each checks its signed link, then does what the
// firm's own portal would do through the same domain calls as the API's client actions (post a client
// message, approve, sign, accept an invitation), so the audit, to-dos and the reminder workflow's stop
// signal are the same. The pages themselves (HTML) are in api/portal/.
import { isUniqueViolation, type Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import { DomainError } from '../errors';
import type { InvitationWorkflows } from '../invitations/invitations';
import type { NewMessage } from '../items/chat';
import type { ItemsService } from '../items/items';
import type { ItemKind } from '../../shared/reminder-types';
import { acceptInvitationLink, activate, activationPage, invitationPage } from './activation';
import { linkedClient, loadItemPage } from './item-page';
import { DEV_PORTAL_LINK_SECRET, signLink, verifyLink, type LinkClaims } from './links';

export interface PortalDeps {
  db: Db;
  items: ItemsService;
  invitations: InvitationWorkflows;
  /** PORTAL_LINK_SECRET; absent: the development secret (domain/portal/links.ts). */
  secret?: string;
}

/**
 * The items service checks a firm user's right to the item's account. A client acting through a signed
 * link has proven its right to this one item by the link, so the call runs with account-wide access;
 * the domain still checks the client itself (linked to the account, a signer of the request) and the
 * audit entry names the contact.
 */
const throughSignedLink = (contactId: string): Actor => ({ id: contactId, role: 'owner', canViewAllAccounts: true });

const KIND_OF_ACTION = { reply: 'chat', approve: 'approval', sign: 'signature' } as const;

/** Whether the reply form `formId` has posted its message on the thread; an id of another message is a tampered form. */
async function postedFrom(db: Db, formId: string, firmId: string, threadId: string, contactId: string) {
  const m = await db.chatMessage.findFirst({
    where: { id: formId, firmId },
    select: { threadId: true, contactId: true },
  });
  if (!m) return false;
  if (m.threadId !== threadId || m.contactId !== contactId) throw invalidForm();
  return true;
}

const invalidForm = () =>
  new DomainError('invalid', 'validation-error', 'Please check your input', 'Open the page again and send your reply.');

export interface ItemPath {
  accountId: string;
  kind: ItemKind;
  itemId: string;
}

export function createPortalService({ db, items, invitations, secret = DEV_PORTAL_LINK_SECRET }: PortalDeps) {
  /** The link's claims for an action on its item, and the view link to go back to. */
  async function actionOn(token: unknown, purpose: 'reply' | 'approve' | 'sign') {
    const claims = verifyLink(secret, token, purpose);
    if (claims.item?.kind !== KIND_OF_ACTION[purpose])
      throw new DomainError('forbidden', 'portal-link-invalid', 'This link is not valid');
    const client = await linkedClient(db, claims);
    return { claims, item: claims.item, client, back: viewLink(claims) };
  }
  const viewLink = (claims: LinkClaims) => {
    const { accountId, kind, itemId } = claims.item!;
    return { accountId, kind, itemId, token: signLink(secret, { ...claims, purpose: 'view' }) };
  };

  return {
    /** The item page of an email link; the path must name the item the link was signed for. */
    async viewItem(token: unknown, path: ItemPath) {
      const claims = verifyLink(secret, token, 'view');
      const it = claims.item;
      if (!it || it.accountId !== path.accountId || it.kind !== path.kind || it.itemId !== path.itemId)
        throw new DomainError(
          'forbidden',
          'portal-link-invalid',
          'This link is not valid',
          'The link is for another page.',
        );
      return loadItemPage(db, secret, claims);
    },

    /**
     * Posts the client's reply. `formId` is the reply form's own id, and becomes the message's: the same form
     * sent twice (a double click, a resubmit after a slow answer) posts once, and the second send finds it.
     * Absent (a page shown before forms carried it), each send posts.
     */
    async reply(token: unknown, body: string, formId?: string) {
      const { claims, item, client, back } = await actionOn(token, 'reply');
      const posted = async () =>
        formId !== undefined && (await postedFrom(db, formId, claims.firmId, item.itemId, client.contactId));
      if (await posted()) return back;
      const message: NewMessage = { id: formId, author: 'client', body, contactId: client.contactId };
      try {
        await items.postMessage(claims.firmId, throughSignedLink(client.contactId), item.itemId, message);
      } catch (err) {
        // Sent twice at once: the first send's message holds the id, so this one's insert was refused.
        if (await posted()) return back;
        if (isUniqueViolation(err)) throw invalidForm();
        throw err;
      }
      return back;
    },

    async approve(token: unknown) {
      const { claims, item, client, back } = await actionOn(token, 'approve');
      await items.approve(claims.firmId, throughSignedLink(client.contactId), item.itemId, client.contactId);
      return back;
    },

    async sign(token: unknown) {
      const { claims, item, client, back } = await actionOn(token, 'sign');
      await items.sign(claims.firmId, throughSignedLink(client.contactId), item.itemId, client.contactId);
      return back;
    },

    activationPage: (token: unknown) => activationPage(db, verifyLink(secret, token, 'activate')),
    activate: (token: unknown) => activate(db, invitations, verifyLink(secret, token, 'activate')),

    invitationPage: (token: string) => invitationPage(db, token),
    acceptInvitation: (token: string) => acceptInvitationLink(db, invitations, token),
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
