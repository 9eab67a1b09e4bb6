// What the outbox stores: one Temporal call, serialized with its task queue so any relay can deliver it.
// Built only from workflow contracts (shared/contracts/), so types and arguments stay checked; the payload
// holds ids and settings only, like the workflow inputs and signals themselves.
import type { SearchAttributePair, SignalDefinition } from '@temporalio/common';
import type { WorkflowContract, WorkflowStart } from '../../shared/contracts/workflow';

export interface SerializedStart {
  /** Absent: the delivering relay's own task queue (for domain code that queues without a builder). */
  taskQueue?: string;
  workflowType: string;
  workflowId: string;
  input: unknown;
  /** Keyword attributes only ({ key: { name, type }, value }), which survive JSON as they are. */
  searchAttributes: SearchAttributePair[];
  memo: Record<string, unknown>;
  reuse?: 'after-close' | 'once';
}

export type OutboxCommand =
  | { op: 'start'; start: SerializedStart }
  | { op: 'signal-with-start'; start: SerializedStart; signal: string; args: unknown[] }
  | { op: 'signal'; workflowId: string; signal: string; args: unknown[] }
  | { op: 'terminate'; workflowId: string; reason: string };

export function commandWorkflowId(c: OutboxCommand): string {
  return c.op === 'start' || c.op === 'signal-with-start' ? c.start.workflowId : c.workflowId;
}

/** Builders bound to the task queue the workflows run on. */
export function commandBuilders(taskQueue: string) {
  const serialize = <I, R>(workflow: WorkflowContract<I, R>, s: WorkflowStart<I>): SerializedStart => ({
    taskQueue,
    workflowType: workflow.workflowType,
    workflowId: s.workflowId,
    input: s.input,
    searchAttributes: s.searchAttributes,
    memo: s.memo,
    ...(s.reuse ? { reuse: s.reuse } : {}),
  });
  return {
    start: <I, R>(workflow: WorkflowContract<I, R>, s: WorkflowStart<I>): OutboxCommand => ({
      op: 'start',
      start: serialize(workflow, s),
    }),
    signalWithStart: <I, R, A extends unknown[]>(
      workflow: WorkflowContract<I, R>,
      s: WorkflowStart<I>,
      signal: SignalDefinition<A>,
      ...args: A
    ): OutboxCommand => ({ op: 'signal-with-start', start: serialize(workflow, s), signal: signal.name, args }),
    signal: <A extends unknown[]>(workflowId: string, signal: SignalDefinition<A>, ...args: A): OutboxCommand => ({
      op: 'signal',
      workflowId,
      signal: signal.name,
      args,
    }),
    terminate: (workflowId: string, reason: string): OutboxCommand => ({ op: 'terminate', workflowId, reason }),
  };
}

export type CommandBuilders = ReturnType<typeof commandBuilders>;
