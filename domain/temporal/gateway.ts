// The domain's one door to Temporal: start, signal-with-start, signal, query and terminate workflows by
// their contracts (shared/contracts/), so workflow types and arguments are type-checked and each
// "already started" or "not running" case is decided here once.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { QueryDefinition, SignalDefinition } from '@temporalio/common';
import type { WorkflowContract, WorkflowStart } from '../../shared/contracts/workflow';
import type { OutboxCommand, SerializedStart } from '../outbox/commands';

export interface TemporalGatewayDeps {
  client: Client;
  taskQueue: string;
}

type SignalWithStartOptions = Parameters<Client['workflow']['signalWithStart']>[1];

export function createTemporalGateway({ client, taskQueue }: TemporalGatewayDeps) {
  const startOptions = <I>(s: WorkflowStart<I>) => ({
    taskQueue,
    workflowId: s.workflowId,
    args: [s.input] as [I],
    typedSearchAttributes: s.searchAttributes,
    memo: s.memo,
    ...(s.reuse === 'once' ? { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE } : {}),
  });

  /** Runs `call`; a workflow that does not run (never started, or over) makes it answer `fallback`. */
  async function unlessNotFound<T>(call: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return fallback;
      throw err;
    }
  }

  const serializedStartOptions = (s: SerializedStart) => ({
    taskQueue: s.taskQueue ?? taskQueue,
    workflowId: s.workflowId,
    args: [s.input],
    typedSearchAttributes: s.searchAttributes,
    memo: s.memo,
    ...(s.reuse === 'once' ? { workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE } : {}),
  });

  /** Runs one outbox command; repeating it changes nothing (ids, "already started" and "not running" are success). */
  async function execute(c: OutboxCommand): Promise<void> {
    try {
      switch (c.op) {
        case 'start':
          await client.workflow.start(c.start.workflowType, serializedStartOptions(c.start));
          return;
        case 'signal-with-start': {
          const options = { ...serializedStartOptions(c.start), signal: c.signal, signalArgs: c.args };
          await client.workflow.signalWithStart(c.start.workflowType, options as unknown as SignalWithStartOptions);
          return;
        }
        case 'signal':
          await client.workflow.getHandle(c.workflowId).signal(c.signal, ...c.args);
          return;
        case 'terminate':
          await client.workflow.getHandle(c.workflowId).terminate(c.reason);
          return;
      }
    } catch (err) {
      // A workflow id that may run once and already ran, or a signal for a workflow that has ended.
      if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) return;
      throw err;
    }
  }

  return {
    taskQueue,

    /** Runs an outbox command, giving up after `timeoutMs` (the client's own retries stop with it). */
    execute(c: OutboxCommand, timeoutMs: number): Promise<void> {
      return client.connection.withDeadline(Date.now() + timeoutMs, () => execute(c));
    },

    /** Starts the workflow; one already started under its id is success (false: this call started nothing). */
    async start<I, R>(workflow: WorkflowContract<I, R>, s: WorkflowStart<I>): Promise<boolean> {
      try {
        await client.workflow.start(workflow.workflowType, startOptions(s) as WorkflowStartOptions);
        return true;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw err;
      }
    },

    /** Delivers the signal, starting the workflow first if none runs under its id: never races its existence. */
    async signalWithStart<I, R, A extends unknown[]>(
      workflow: WorkflowContract<I, R>,
      s: WorkflowStart<I>,
      signal: SignalDefinition<A>,
      ...signalArgs: A
    ): Promise<void> {
      // The SDK's option type is conditional on the signal's arity, which a generic A cannot satisfy.
      const options = { ...startOptions(s), signal, signalArgs } as unknown as SignalWithStartOptions;
      await client.workflow.signalWithStart(workflow.workflowType, options);
    },

    /** Signals the running workflow; false when none runs under that id. */
    signal<A extends unknown[]>(workflowId: string, signal: SignalDefinition<A>, ...args: A): Promise<boolean> {
      return unlessNotFound(async () => {
        await client.workflow.getHandle(workflowId).signal(signal, ...args);
        return true;
      }, false);
    },

    /** The workflow's answer (also from a finished workflow), or null if it never ran. */
    query<R>(workflowId: string, query: QueryDefinition<R>): Promise<R | null> {
      return unlessNotFound(() => client.workflow.getHandle(workflowId).query(query), null);
    },

    /** Ends the workflow at once; false when none runs under that id. */
    terminate(workflowId: string, reason: string): Promise<boolean> {
      return unlessNotFound(async () => {
        await client.workflow.getHandle(workflowId).terminate(reason);
        return true;
      }, false);
    },

    /** Ids of the running workflows a visibility query finds (eventually consistent: confirm with status()). */
    async runningWorkflowIds(query: string): Promise<Set<string>> {
      const ids = new Set<string>();
      for await (const w of client.workflow.list({ query: `ExecutionStatus = "Running" AND ${query}` })) {
        ids.add(w.workflowId);
      }
      return ids;
    },

    /** The execution status name (RUNNING, COMPLETED, …), or null if it never ran. */
    status(workflowId: string): Promise<string | null> {
      return unlessNotFound(async () => (await client.workflow.getHandle(workflowId).describe()).status.name, null);
    },
  };
}

export type TemporalGateway = ReturnType<typeof createTemporalGateway>;
