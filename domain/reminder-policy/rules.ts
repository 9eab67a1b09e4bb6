// The firm reminder policy's rules (issue 12) as plain functions: what a policy holds, which settings a
// new item takes, and what applying a changed policy does to one running reminder.
import { validateSettings } from '../../shared/reminder-policy';
import { DEFAULT_REMINDER_SETTINGS, type ReminderSettings } from '../../shared/reminder-types';
import {
  POLICY_ITEM_OUTCOMES,
  type PolicyApplyResult,
  type PolicyItemOutcome,
} from '../../shared/contracts/reminder-policy';

/** firm: automatic reminders wait for the firm's send window; anytime: they go when due (pauses still hold). */
export type SendWindowRule = 'firm' | 'anytime';

/** One kind's defaults: the reminder settings and the send-window rule. */
export interface PolicySettings extends ReminderSettings {
  sendWindow: SendWindowRule;
}

/** Where an item's settings come from: chosen for it, the firm's policy, or Nudge's defaults (no policy yet). */
export type SettingsSource = 'own' | 'policy' | 'default';

/** What applies while a firm has set no policy for a kind. */
export const DEFAULT_POLICY: PolicySettings = { ...DEFAULT_REMINDER_SETTINGS, sendWindow: 'firm' };

export type ApplyMode = 'none' | 'preview' | 'running';

/** The first problem of a policy, as a field and message; null when it is valid. */
export function policyProblem(p: PolicySettings): { field: string; message: string } | null {
  const problem = validateSettings(p);
  if (!problem) return null;
  return { field: problem.startsWith('count') ? 'body.count' : 'body.intervalDays', message: problem };
}

export const sameSettings = (a: PolicySettings, b: PolicySettings) =>
  a.enabled === b.enabled && a.intervalDays === b.intervalDays && a.count === b.count && a.sendWindow === b.sendWindow;

/**
 * What an application's item may read: an outcome of the workflow's contract, or `cancelled` (the application's
 * workflow was cancelled from the Temporal UI before reaching it; written by the domain, never by a batch).
 */
export const APPLICATION_ITEM_OUTCOMES = [...POLICY_ITEM_OUTCOMES, 'cancelled'] as const;
export type ApplicationItemOutcome = (typeof APPLICATION_ITEM_OUTCOMES)[number];

/** How an application ended: as the workflow's contract says, or `cancelled` from the Temporal UI. */
export type ApplicationEnd = PolicyApplyResult['status'] | 'cancelled';

/** An item's current settings as far as a policy change is concerned; null: the item no longer exists. */
export interface ItemSettingsView {
  source: 'own' | 'policy';
  settings: PolicySettings;
}

/**
 * What applying `proposed` does to one running reminder: items with settings of their own are left alone;
 * one already on the proposed settings is unchanged; the others are updated.
 */
export function policyOutcome(item: ItemSettingsView | null, proposed: PolicySettings): PolicyItemOutcome {
  if (!item) return 'gone';
  if (item.source === 'own') return 'own_settings';
  return sameSettings(item.settings, proposed) ? 'unchanged' : 'updated';
}

/** The fields the input sets (an absent or undefined field leaves the item's, or its policy's, value). */
export function givenSettings(input: Partial<ReminderSettings> | undefined): Partial<ReminderSettings> {
  return Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined));
}

/**
 * The settings an item gets when it is saved: explicit input makes them the item's own (merged over what
 * it had); without input it keeps its own settings, or takes the policy's.
 */
export function settingsToSave(
  current: { source: SettingsSource; settings: ReminderSettings },
  input: Partial<ReminderSettings> | undefined,
): { source: 'own' | 'policy'; settings: ReminderSettings } {
  const given = givenSettings(input);
  const explicit = Object.keys(given).length > 0;
  return {
    source: explicit || current.source === 'own' ? 'own' : 'policy',
    settings: { ...current.settings, ...given },
  };
}

/**
 * The settings row an item saves (the chat API, a bulk message): `input` merged onto its current settings as
 * settingsToSave says, with their send-window rule; `problem` names what makes the merged settings invalid.
 */
export function settingsRowToSave(
  current: { source: SettingsSource; settings: ReminderSettings; sendWindow: SendWindowRule },
  input: Partial<ReminderSettings> | undefined,
) {
  const { source, settings } = settingsToSave(current, input);
  return {
    settings,
    row: { ...settings, source, sendWindow: current.sendWindow },
    problem: validateSettings(settings),
  };
}
