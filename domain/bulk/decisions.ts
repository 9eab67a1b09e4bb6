// The rules of the bulk account steps that need no database: given what an account has now, what
// would change, and when an account is skipped (with the reason the report shows). The steps in
// account-steps.ts read and lock the rows, ask these, and write what they decide.
import type { BulkParams } from '../../shared/bulk-actions';
import { seesAllAccounts, type Actor } from '../access/access';
import { preferenceColumns } from '../contacts/email-view';

/** The start of the skip reason for accounts the user may not change (the report hides their names). */
export const NOT_ALLOWED = 'not allowed';

/** Skip reasons, as the report and the outcome pages show them. */
export const SKIP = {
  noAccount: 'no such account in this firm (deleted since, or never one of its accounts)',
  noActor: 'the user who started the action no longer exists',
  actorDeactivated: 'the user who started the action has been deactivated',
  notAllowed: `${NOT_ALLOWED}: the user who started the action may not change this account`,
  archived: 'archived accounts are read-only; restore it first',
  tagsAsAsked: 'tags already as asked',
  foldersExist: 'the template’s folders already exist',
  folderTemplateDeleted: 'the folder template has been deleted',
  chatTemplateDeleted: 'the chat template has been deleted',
  deleteNeedsArchived: 'only archived accounts can be deleted; archive it first',
  noContactEmail: 'the account has no contact email',
  emailsAsAsked: 'every contact email already as asked',
  noPendingApprovals: 'no pending approval requests',
} as const;

export type AccountStatus = 'active' | 'archived';

/** Whether a skip reason is the one of an account the user may not change. */
export const isNotAllowed = (detail: string | null | undefined) => detail?.startsWith(NOT_ALLOWED) ?? false;

/**
 * Checks that apply to every kind, before the kind's own step: the account exists in the firm, the user
 * who started the action still exists, and may change it: sees every account, or is on its team
 * (`onTeam`, looked up only for a user who does not see every account).
 */
export function accountSkip(a: {
  accountFound: boolean;
  actor: Actor | null;
  onTeam: boolean;
  actorDeactivated?: boolean;
}): string | null {
  if (!a.accountFound) return SKIP.noAccount;
  if (!a.actor) return a.actorDeactivated ? SKIP.actorDeactivated : SKIP.noActor;
  if (!seesAllAccounts(a.actor) && !a.onTeam) return SKIP.notAllowed;
  return null;
}

/** Archived accounts are read-only for every kind but archive, restore and delete. */
export const readOnlySkip = (status: AccountStatus): string | null => (status === 'archived' ? SKIP.archived : null);

/** Archive and restore: nothing to do when the account already has the status. */
export const statusSkip = (status: AccountStatus, to: AccountStatus): string | null =>
  status === to ? `already ${to}` : null;

/** Only archived accounts are deleted. */
export const deleteSkip = (status: AccountStatus): string | null =>
  status !== 'archived' ? SKIP.deleteNeedsArchived : null;

/**
 * The tags to add and to remove, in the order asked: assigned ones the account lacks, removed ones it
 * has. A tag that no longer exists (`known` lacks it: deleted since the start) is left out.
 */
export function tagChanges(
  asked: { tagId: string; action: 'assign' | 'remove' }[],
  known: { has(tagId: string): boolean },
  have: ReadonlySet<string>,
): { add: string[]; remove: string[] } {
  const existing = asked.filter((t) => known.has(t.tagId));
  return {
    add: existing.filter((t) => t.action === 'assign' && !have.has(t.tagId)).map((t) => t.tagId),
    remove: existing.filter((t) => t.action === 'remove' && have.has(t.tagId)).map((t) => t.tagId),
  };
}

/** The template's folders the account does not have yet, in the template's order. */
export const missingFolders = (template: readonly string[], have: ReadonlySet<string>): string[] =>
  template.filter((p) => !have.has(p));

/** {{accountName}} and {{firmName}} in a chat template; unknown placeholders stay as written. */
export function personalise(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** The report keeps a preview of a posted message, not every account's full copy of the body. */
export const messagePreview = (body: string): string => (body.length > 200 ? `${body.slice(0, 200)}…` : body);

type ContactTogglesParams = Extract<BulkParams, { kind: 'contact_toggles' }>;

/** A contact email as the toggles see it: its switches and its preference columns (prefMessages, …). */
export interface EmailToggles {
  login: string;
  notify: boolean;
  emailSync: boolean;
  [column: string]: unknown;
}

/** What the toggles change on one contact email (empty: already as asked). */
export type EmailChanges = {
  login?: 'pending' | 'off';
  notify?: boolean;
  preferences?: ContactTogglesParams['preferences'];
  emailSync?: boolean;
};

/**
 * The changes the toggles make to one contact email: login "enable" makes an email that is off pending,
 * "disable" switches off one that is not; notify and email sync flip when they differ; the preferences
 * (only with notify "enable") are set when any of them differs.
 */
export function emailChanges(
  p: Pick<ContactTogglesParams, 'login' | 'notify' | 'emailSync' | 'preferences'>,
  e: EmailToggles,
): EmailChanges {
  const changes: EmailChanges = {};
  if (p.login === 'enable' && e.login === 'off') changes.login = 'pending';
  if (p.login === 'disable' && e.login !== 'off') changes.login = 'off';
  if (p.notify === 'enable' && !e.notify) changes.notify = true;
  if (p.notify === 'disable' && e.notify) changes.notify = false;
  if (p.notify === 'enable' && p.preferences) {
    const cols = preferenceColumns(p.preferences);
    const differs = Object.entries(cols).some(([col, v]) => e[col] !== v);
    if (differs) changes.preferences = p.preferences;
  }
  if (p.emailSync === 'enable' && !e.emailSync) changes.emailSync = true;
  if (p.emailSync === 'disable' && e.emailSync) changes.emailSync = false;
  return changes;
}

/** An email made pending gets its invitation now, unless the caller sends invitations later. */
export const sendsInvitation = (changes: EmailChanges, sendInvitations: boolean | undefined): boolean =>
  changes.login === 'pending' && sendInvitations !== false;
