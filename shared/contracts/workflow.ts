// What a workflow contract is: the workflow's registered type with its input and result, and what starting
// one needs (business id, search attributes, memo). The domain's Temporal gateway starts workflows only
// through a contract, so the arguments are type-checked and nothing is started by a bare string.
import type { SearchAttributePair } from '@temporalio/common';

export interface WorkflowContract<Input, Result> {
  /** The exported name of the workflow function in workflows/index.ts. */
  readonly workflowType: string;
  /** Type-level only: ties the input and result types to the contract. */
  readonly signature?: (input: Input) => Promise<Result>;
}

export const defineWorkflow = <Input, Result = void>(workflowType: string): WorkflowContract<Input, Result> => ({
  workflowType,
});

/** The function type a workflow must have to implement its contract. */
export type WorkflowFunction<C> = C extends WorkflowContract<infer I, infer R> ? (input: I) => Promise<R> : never;

/** Everything that identifies one execution of a contract's workflow: ids and settings only, no personal data. */
export interface WorkflowStart<Input> {
  workflowId: string;
  input: Input;
  searchAttributes: SearchAttributePair[];
  memo: Record<string, unknown>;
  /** "once": a workflow id that ever ran is never started again (a finished run is not redone). */
  reuse?: 'after-close' | 'once';
}
