// Who receives an item's notifications and reminders (SPEC §3): each email of the relevant contacts with
// `notify` on and the item's category preference on, unless the address bounced (a permanent SMTP
// refusal) or the firm marked its contact inactive. A pending-activation login still receives them, with an
// "activate your account" banner.
import type { ItemKind } from './reminder-types';

export type PreferenceCategory =
  | 'documentUploads'
  | 'signatures'
  | 'approvals'
  | 'messages'
  | 'proposals'
  | 'questionnaires'
  | 'invoices'
  | 'clientRequests';

export const PREFERENCE_CATEGORIES: readonly PreferenceCategory[] = [
  'documentUploads',
  'signatures',
  'approvals',
  'messages',
  'proposals',
  'questionnaires',
  'invoices',
  'clientRequests',
];

export const CATEGORY_OF_ITEM: Record<ItemKind, PreferenceCategory> = {
  chat: 'messages',
  signature: 'signatures',
  approval: 'approvals',
};

export interface CandidateEmail {
  contactEmailId: string;
  contactId: string;
  login: 'off' | 'pending' | 'active';
  notify: boolean;
  preferences: Record<PreferenceCategory, boolean>;
  /** Signature requests only: whether this contact still has to sign (undefined: not a signer). */
  pendingSigner?: boolean;
  /** The mail server refused an email to this address for good (SMTP 5xx); cleared when it is edited. */
  bounced?: boolean;
  /** The firm marked the contact inactive (a client action): none of its addresses gets an item's emails. */
  contactInactive?: boolean;
}

export type ExclusionReason =
  'notify_off' | 'category_off' | 'not_a_signer' | 'already_signed' | 'bounced' | 'contact_inactive';

export interface RecipientDecision {
  recipients: { contactEmailId: string; contactId: string; activationBanner: boolean }[];
  excluded: { contactEmailId: string; contactId: string; reason: ExclusionReason }[];
}

export function selectRecipients(kind: ItemKind, emails: CandidateEmail[]): RecipientDecision {
  const category = CATEGORY_OF_ITEM[kind];
  const decision: RecipientDecision = { recipients: [], excluded: [] };
  for (const e of emails) {
    const reason = exclusionReason(kind, category, e);
    if (reason) decision.excluded.push({ contactEmailId: e.contactEmailId, contactId: e.contactId, reason });
    else
      decision.recipients.push({
        contactEmailId: e.contactEmailId,
        contactId: e.contactId,
        activationBanner: e.login === 'pending',
      });
  }
  return decision;
}

function exclusionReason(kind: ItemKind, category: PreferenceCategory, e: CandidateEmail): ExclusionReason | null {
  if (kind === 'signature') {
    if (e.pendingSigner === undefined) return 'not_a_signer';
    if (!e.pendingSigner) return 'already_signed';
  }
  // Before the toggles: the firm's choice for the whole contact, then an address that is not reachable.
  if (e.contactInactive) return 'contact_inactive';
  if (e.bounced) return 'bounced';
  if (!e.notify) return 'notify_off';
  if (!e.preferences[category]) return 'category_off';
  return null;
}
