// Portal access for a client: the invitation email's accept link (its single-use token), and the
// activation banner of item emails (a signed link naming the contact email), which accepts that email's
// open invitation. Both end in the invitations domain's one accept, so the audit, login event and
// workflow signal are the same whichever link the client used.
import type { Db } from '../../prisma/client';
import { DomainError } from '../errors';
import { emailLanguage } from '../email/compose';
import type { Language } from '../email/messages';
import { acceptInvitation, acceptInvitationByHash, type InvitationWorkflows } from '../invitations/invitations';
import { hashInvitationToken } from '../invitations/token';
import { linkedClient } from './item-page';
import type { LinkClaims } from './links';

export interface AccessPage {
  /** The contact's language (their own, else the firm's). */
  language: Language;
  firmName: string;
  contactName: string;
  address: string;
  /** Already active: nothing to accept. */
  active: boolean;
}

const gone = (slug: string, title: string, detail: string) => new DomainError('gone', slug, title, detail);

/** A used link, its email's access since removed or moved to another address: as its accept answers. */
const usedLink = () =>
  new DomainError(
    'conflict',
    'invitation-already-accepted',
    'Invitation already accepted',
    'This invitation link has already been used; sign in instead.',
  );

/** The accepted invitation's address still has access: its email's login is active, at that address. */
const stillHasAccess = (inv: { address: string }, email: { login: string; address: string }) =>
  email.login === 'active' && email.address === inv.address;

/** What the invitation accept page shows before the client clicks: whose invitation, or why it no longer works. */
export async function invitationPage(db: Db, token: string): Promise<AccessPage> {
  const inv = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: { email: { include: { contact: { select: { firstName: true, lastName: true, language: true } } } } },
  });
  if (!inv)
    throw new DomainError(
      'not-found',
      'invitation-invalid',
      'Invitation link not valid',
      'This invitation link is unknown or has been replaced by a newer one. Use the newest invitation email.',
    );
  if (inv.status === 'revoked')
    throw gone('invitation-revoked', 'Invitation withdrawn', 'The firm has withdrawn this invitation.');
  if (inv.status === 'expired' || (inv.status !== 'accepted' && inv.expiresAt.getTime() <= Date.now()))
    throw gone('invitation-expired', 'Invitation expired', 'This invitation has expired; ask the firm for a new one.');
  // "Already active" only while it is: turned off, or the address changed, the link is just used up.
  if (inv.status === 'accepted' && !stillHasAccess(inv, inv.email)) throw usedLink();
  const firm = await db.firm.findUniqueOrThrow({ where: { id: inv.firmId }, select: { name: true, language: true } });
  return {
    language: emailLanguage(inv.email.contact.language, firm.language),
    firmName: firm.name,
    contactName: `${inv.email.contact.firstName} ${inv.email.contact.lastName}`.trim(),
    address: inv.address,
    active: inv.status === 'accepted',
  };
}

/** What the activation page shows: the email to activate, already active, or no invitation to accept. */
export async function activationPage(db: Db, claims: LinkClaims): Promise<AccessPage> {
  const client = await linkedClient(db, claims);
  const [firm, email] = await Promise.all([
    db.firm.findUniqueOrThrow({ where: { id: claims.firmId }, select: { name: true, language: true } }),
    db.contactEmail.findUniqueOrThrow({ where: { id: client.contactEmailId }, select: { login: true } }),
  ]);
  const language = emailLanguage(client.language, firm.language);
  const page = { language, firmName: firm.name, contactName: client.name, address: client.address };
  if (email.login === 'active') return { ...page, active: true };
  await openInvitation(db, claims);
  return { ...page, active: false };
}

/**
 * Accepts the email's open invitation; an email already active is left as it is. The form sent twice at once
 * (a double click): the second finds the invitation accepted by the first, and the email active, as it asked.
 */
export async function activate(db: Db, wf: InvitationWorkflows, claims: LinkClaims) {
  const page = await activationPage(db, claims);
  if (page.active) return page;
  try {
    await acceptInvitationByHash(db, wf, (await openInvitation(db, claims)).tokenHash);
  } catch (err) {
    if (!(err instanceof DomainError) || !(await loginActive(db, claims.firmId, claims.contactEmailId))) throw err;
  }
  return { ...page, active: true };
}

/**
 * Accepts the invitation of the email's link. Accepted already (the form sent twice, or the link used again)
 * while its email still has access: what the client wanted is done, so the accounts are shown (until the link
 * would have expired), not an error.
 */
export async function acceptInvitationLink(db: Db, wf: InvitationWorkflows, token: string) {
  try {
    return await acceptInvitation(db, wf, token);
  } catch (err) {
    if (!(err instanceof DomainError) || err.slug !== 'invitation-already-accepted') throw err;
    const inv = await db.invitation.findUnique({
      where: { tokenHash: hashInvitationToken(token) },
      select: {
        status: true,
        firmId: true,
        address: true,
        expiresAt: true,
        email: { select: { contactId: true, login: true, address: true } },
      },
    });
    if (inv?.status !== 'accepted' || !stillHasAccess(inv, inv.email)) throw err;
    // The account names only while the link was valid: a used link kept (forwarded, in a history) shows none.
    const valid = inv.expiresAt.getTime() > Date.now();
    return { accounts: valid ? await accountsOf(db, inv.firmId, inv.email.contactId) : [] };
  }
}

async function loginActive(db: Db, firmId: string, contactEmailId: string): Promise<boolean> {
  const email = await db.contactEmail.findFirst({ where: { id: contactEmailId, firmId }, select: { login: true } });
  return email?.login === 'active';
}

/** The contact's accounts by name, as an accept lists them. */
async function accountsOf(db: Db, firmId: string, contactId: string) {
  const links = await db.accountContact.findMany({
    where: { contactId, account: { firmId } },
    select: { account: { select: { id: true, name: true } } },
  });
  return links.map((l) => l.account).sort((a, b) => a.name.localeCompare(b.name));
}

async function openInvitation(db: Db, claims: LinkClaims) {
  const inv = await db.invitation.findFirst({
    where: {
      firmId: claims.firmId,
      contactEmailId: claims.contactEmailId,
      status: 'sent',
      expiresAt: { gt: new Date() },
    },
    orderBy: { createdAt: 'desc' },
    select: { tokenHash: true },
  });
  if (!inv)
    throw gone(
      'activation-unavailable',
      'No invitation to accept',
      'Your portal invitation has expired, been withdrawn or not been sent yet. Ask the firm to invite you again.',
    );
  return inv;
}
