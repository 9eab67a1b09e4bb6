// The digest workflow's contract (`digest-<contactEmailId>`, issue 12): one workflow per address of a firm
// (a firm holds each address once), collecting that address's automatic reminders into one email. Input,
// signal and query carry ids and instants only: no address, name or item title reaches the history.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineWorkflow, type WorkflowStart } from './workflow';
import { FIRM_ID, ITEM_KIND, STATUS } from './search-attributes';

export interface DigestInput {
  firmId: string;
  contactEmailId: string;
  /** Digests sent by earlier runs (continue-as-new). */
  digestsSent?: number;
}

export interface DigestResult {
  digestsSent: number;
}

export const digestWorkflowContract = defineWorkflow<DigestInput, DigestResult>('digestWorkflow');

/** A reminder for this address was queued for its digest (the workflow re-reads what waits). */
export const digestEntryAddedSignal = defineSignal('digestEntryAdded');

export type DigestStatus = 'starting' | 'collecting' | 'sending' | 'idle' | 'completed';

export interface DigestStateView {
  status: DigestStatus;
  /** While collecting: when the digest goes (ISO). */
  sendAt: string | null;
  digestsSent: number;
}
export const digestStateQuery = defineQuery<DigestStateView>('digestState');

/** What the workflow asks before waiting: when the waiting reminders go (null: none wait), and how long to idle. */
export interface DigestPlan {
  sendAt: number | null;
  idleMs: number;
}

/** What one send did: the email went with `items` items, nothing was left to send, or the send window or the
 * recipient's pause holds it until `sendAt` (nothing claimed; the workflow plans again). */
export type DigestSendResult =
  | { status: 'sent'; items: number; dropped: number }
  | { status: 'nothing'; dropped: number }
  | { status: 'held'; sendAt: number };

export const DIGEST_ITEM_KIND = 'digest';

/** One workflow per address of a firm, named after its contact email row (an id, not the address). */
export const digestWorkflowId = (contactEmailId: string) => `digest-${contactEmailId}`;

/** The business key of one digest email: its workflow and the first reminder it carries, unique forever. */
export const digestEmailKey = (contactEmailId: string, firstEntryId: string) =>
  `${digestWorkflowId(contactEmailId)}:${firstEntryId}`;

export function digestStart(firmId: string, contactEmailId: string): WorkflowStart<DigestInput> {
  return {
    workflowId: digestWorkflowId(contactEmailId),
    input: { firmId, contactEmailId },
    searchAttributes: [
      { key: FIRM_ID, value: firmId },
      { key: ITEM_KIND, value: DIGEST_ITEM_KIND },
      { key: STATUS, value: 'starting' },
    ],
    memo: { firmId, contactEmailId },
  };
}
