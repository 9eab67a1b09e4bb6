// How a contact email's toggles and preferences map between the API's shape and the table's columns.
import type { Db } from '../../prisma/client';
import { PREFERENCE_CATEGORIES, type PreferenceCategory } from '../../shared/recipients';

export type Preferences = Partial<Record<PreferenceCategory, boolean>>;

const PREF_COLUMN: Record<PreferenceCategory, string> = {
  documentUploads: 'prefDocumentUploads',
  signatures: 'prefSignatures',
  approvals: 'prefApprovals',
  messages: 'prefMessages',
  proposals: 'prefProposals',
  questionnaires: 'prefQuestionnaires',
  invoices: 'prefInvoices',
  clientRequests: 'prefClientRequests',
};

export function preferenceColumns(p: Preferences | undefined): Record<string, boolean> {
  return Object.fromEntries(Object.entries(p ?? {}).map(([k, v]) => [PREF_COLUMN[k as PreferenceCategory], v]));
}

type EmailRow = Awaited<ReturnType<Db['contactEmail']['findFirstOrThrow']>>;

export function presentEmail(e: EmailRow) {
  return {
    id: e.id,
    contactId: e.contactId,
    address: e.address,
    login: e.login,
    notify: e.notify,
    emailSync: e.emailSync,
    preferences: Object.fromEntries(
      PREFERENCE_CATEGORIES.map((c) => [c, (e as unknown as Record<string, boolean>)[PREF_COLUMN[c]]]),
    ),
  };
}
