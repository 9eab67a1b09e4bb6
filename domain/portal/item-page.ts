// What the client sees of the item a link is about: the firm, the account, the thread's messages or the
// document and its status, and which action is still open to this client (with its own signed token).
// Read-only; every query is scoped by the link's firm and account.
import type { Db } from '../../prisma/client';
import type { ItemKind } from '../../shared/reminder-types';
import { DomainError, notFound } from '../errors';
import { addressDigest } from '../hmac';
import { KIND_LABEL } from '../items/item-refs';
import { emailLanguage, emailTimeZone } from '../email/compose';
import type { Language } from '../email/messages';
import { signLink, type LinkClaims, type LinkPurpose } from './links';

export interface PortalMessage {
  author: 'firm' | 'client';
  name: string;
  body: string;
  at: Date;
}

export interface ItemPage {
  /** The contact's language and time zone, as their emails have them (domain/email/compose.ts). */
  language: Language;
  timeZone: string;
  firmName: string;
  accountName: string;
  contactName: string;
  kind: ItemKind;
  title: string;
  /** The item's status as stored: open/archived, pending/signed/approved/cancelled. */
  status: string;
  messages?: PortalMessage[];
  /** The firm's note on an approval request. */
  note?: string | null;
  signers?: { name: string; signed: boolean; you: boolean }[];
  /** The action this client may take, if any, with its single-purpose token. */
  action?: { purpose: Extract<LinkPurpose, 'reply' | 'approve' | 'sign'>; token: string };
}

export type LinkedClient = {
  contactId: string;
  contactEmailId: string;
  name: string;
  address: string;
  /** The contact's own language and zone, if set (the firm's apply otherwise). */
  language: string | null;
  timeZone: string | null;
};

/** The contact the link was sent to, still at this firm and still linked to the item's account. */
export async function linkedClient(db: Db, claims: LinkClaims): Promise<LinkedClient> {
  const email = await db.contactEmail.findFirst({
    where: { id: claims.contactEmailId, firmId: claims.firmId },
    include: { contact: { select: { id: true, firstName: true, lastName: true, language: true, timeZone: true } } },
  });
  const linked =
    email &&
    (!claims.item ||
      (await db.accountContact.findFirst({
        where: { accountId: claims.item.accountId, contactId: email.contactId },
        select: { contactId: true },
      })));
  if (!email || !linked)
    throw new DomainError(
      'gone',
      'portal-link-revoked',
      'This link no longer works',
      'The firm has changed who receives this item. Ask the firm for a new link.',
    );
  // Sent to an address the email no longer has (SPEC §5: the old link stops working).
  if (claims.addressDigest !== undefined && claims.addressDigest !== addressDigest(email.address))
    throw new DomainError(
      'gone',
      'portal-link-revoked',
      'This link no longer works',
      'The link was sent to an email address that has changed since. Use a more recent email from the firm.',
    );
  // An activation link signed before links named their address cannot tell: refused, the invitation email's
  // own link still works.
  if (claims.addressDigest === undefined && claims.purpose === 'activate')
    throw new DomainError(
      'gone',
      'portal-link-revoked',
      'This link no longer works',
      'This activation link is from an older email. Use the link in your invitation email, or a more recent email.',
    );
  const name = `${email.contact.firstName} ${email.contact.lastName}`.trim();
  const { language, timeZone } = email.contact;
  return { contactId: email.contactId, contactEmailId: email.id, name, address: email.address, language, timeZone };
}

export async function loadItemPage(db: Db, secret: string, claims: LinkClaims): Promise<ItemPage> {
  const item = claims.item!;
  const client = await linkedClient(db, claims);
  const where = { id: item.itemId, firmId: claims.firmId, accountId: item.accountId };
  const [firm, account, window] = await Promise.all([
    db.firm.findUniqueOrThrow({ where: { id: claims.firmId }, select: { name: true, language: true } }),
    db.account.findFirstOrThrow({ where: { id: item.accountId, firmId: claims.firmId }, select: { name: true } }),
    db.firmSendWindow.findUnique({ where: { firmId: claims.firmId }, select: { timeZone: true } }),
  ]);
  const base = {
    language: emailLanguage(client.language, firm.language),
    timeZone: emailTimeZone(client.timeZone, window?.timeZone),
    firmName: firm.name,
    accountName: account.name,
    contactName: client.name,
    kind: item.kind,
  };
  // An action token has the view link's claims and expiry, another purpose.
  const action = (purpose: 'reply' | 'approve' | 'sign') => ({
    purpose,
    token: signLink(secret, { ...claims, purpose }),
  });

  if (item.kind === 'chat') {
    const thread = await db.chatThread.findFirst({
      where,
      include: { messages: { orderBy: { createdAt: 'asc' } } },
    });
    if (!thread) throw notFound(KIND_LABEL.chat);
    const names = await authorNames(db, claims.firmId, thread.messages);
    return {
      ...base,
      title: thread.subject,
      status: thread.status,
      messages: thread.messages.map((m) => ({
        author: m.author,
        name: names.get(m.firmUserId ?? m.contactId ?? '') ?? (m.author === 'firm' ? firm.name : 'Client'),
        body: m.body,
        at: m.createdAt,
      })),
      action: thread.status === 'open' ? action('reply') : undefined,
    };
  }
  if (item.kind === 'approval') {
    const request = await db.approvalRequest.findFirst({ where, include: { document: { select: { name: true } } } });
    if (!request) throw notFound(KIND_LABEL.approval);
    return {
      ...base,
      title: request.document.name,
      status: request.status,
      note: request.message,
      action: request.status === 'pending' ? action('approve') : undefined,
    };
  }
  const request = await db.signatureRequest.findFirst({
    where,
    include: {
      document: { select: { name: true } },
      signers: { orderBy: { position: 'asc' }, include: { contact: { select: { firstName: true, lastName: true } } } },
    },
  });
  if (!request) throw notFound(KIND_LABEL.signature);
  const me = request.signers.find((s) => s.contactId === client.contactId);
  return {
    ...base,
    title: request.document.name,
    status: request.status,
    signers: request.signers.map((s) => ({
      name: `${s.contact.firstName} ${s.contact.lastName}`.trim(),
      signed: !!s.signedAt,
      you: s.contactId === client.contactId,
    })),
    action: request.status === 'pending' && me && !me.signedAt ? action('sign') : undefined,
  };
}

async function authorNames(
  db: Db,
  firmId: string,
  messages: { firmUserId: string | null; contactId: string | null }[],
): Promise<Map<string, string>> {
  const userIds = [...new Set(messages.flatMap((m) => (m.firmUserId ? [m.firmUserId] : [])))];
  const contactIds = [...new Set(messages.flatMap((m) => (m.contactId ? [m.contactId] : [])))];
  const [users, contacts] = await Promise.all([
    db.firmUser.findMany({ where: { firmId, id: { in: userIds } }, select: { id: true, name: true } }),
    db.contact.findMany({
      where: { firmId, id: { in: contactIds } },
      select: { id: true, firstName: true, lastName: true },
    }),
  ]);
  return new Map([
    ...users.map((u) => [u.id, u.name] as const),
    ...contacts.map((c) => [c.id, `${c.firstName} ${c.lastName}`.trim()] as const),
  ]);
}
