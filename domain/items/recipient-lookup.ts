// Loads the emails that could receive an item's emails, in the shape the recipient rules take.
import type { Db } from '../../prisma/client';
import type { CandidateEmail } from '../../shared/recipients';
import type { ItemRef } from '../../shared/reminder-types';

export type EmailRow = {
  id: string;
  contactId: string;
  login: CandidateEmail['login'];
  notify: boolean;
  prefDocumentUploads: boolean;
  prefSignatures: boolean;
  prefApprovals: boolean;
  prefMessages: boolean;
  prefProposals: boolean;
  prefQuestionnaires: boolean;
  prefInvoices: boolean;
  prefClientRequests: boolean;
  bouncedAt?: Date | null;
  /** Instead of bouncedAt, where only whether it bounces was read. */
  bounced?: boolean;
  /** Whether the firm keeps its contact active (a client action); read with the email. */
  contactActive: boolean;
};

export function toCandidate(e: EmailRow, pendingSigner?: boolean): CandidateEmail {
  return {
    contactEmailId: e.id,
    contactId: e.contactId,
    login: e.login,
    notify: e.notify,
    preferences: {
      documentUploads: e.prefDocumentUploads,
      signatures: e.prefSignatures,
      approvals: e.prefApprovals,
      messages: e.prefMessages,
      proposals: e.prefProposals,
      questionnaires: e.prefQuestionnaires,
      invoices: e.prefInvoices,
      clientRequests: e.prefClientRequests,
    },
    pendingSigner,
    ...(e.bouncedAt || e.bounced ? { bounced: true } : {}),
    ...(e.contactActive ? {} : { contactInactive: true }),
  };
}

/** Every email of every contact linked to the item's account, ordered for stable output. */
export async function loadCandidateEmails(db: Db, item: ItemRef): Promise<CandidateEmail[]> {
  const rows = await db.contactEmail.findMany({
    where: { firmId: item.firmId, contact: { accounts: { some: { accountId: item.accountId } } } },
    include: { contact: { select: { active: true } } },
    orderBy: [{ contactId: 'asc' }, { address: 'asc' }],
  });
  const emails = rows.map(({ contact, ...e }) => ({ ...e, contactActive: contact.active }));
  if (item.kind !== 'signature') return emails.map((e) => toCandidate(e));
  const signers = await db.signatureSigner.findMany({ where: { requestId: item.itemId } });
  const pending = new Map(signers.map((s) => [s.contactId, s.signedAt === null]));
  return emails.map((e) => toCandidate(e, pending.get(e.contactId)));
}
