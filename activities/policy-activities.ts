// Activities of the reminder policy application workflow (issue 12): thin wrappers over domain/reminder-policy,
// with the worker's Temporal client for the visibility query and the outbox's signals.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../prisma/client';
import type { PolicyApplyResult } from '../shared/contracts/reminder-policy';
import {
  applyPolicyBatch,
  cancelPolicyApplication,
  collectPolicyTargets,
  finishPolicyApplication,
} from '../domain/reminder-policy/apply';
import { createOutbox } from '../domain/outbox/outbox';
import { createTemporalGateway } from '../domain/temporal/gateway';

export interface PolicyActivityDeps {
  db: Db;
  /** The worker's client is used when absent. */
  temporal?: Client;
}

export function createPolicyActivities({ db, temporal }: PolicyActivityDeps) {
  const gateway = () => {
    const { client, info } = Context.current();
    return createTemporalGateway({ client: temporal ?? client, taskQueue: info.taskQueue });
  };

  return {
    /** Records the running reminders of the application's kind once; answers how many. */
    collectPolicyTargets: ({ applicationId }: { applicationId: string }) =>
      collectPolicyTargets(db, gateway(), applicationId),

    /** Applies the policy to the next batch of running reminders. */
    applyPolicyBatch: ({ applicationId, batchSize }: { applicationId: string; batchSize: number }) =>
      applyPolicyBatch(createOutbox(db, gateway()), applicationId, batchSize),

    finishPolicyApplication: ({
      applicationId,
      status,
    }: {
      applicationId: string;
      status: PolicyApplyResult['status'];
    }) => finishPolicyApplication(db, applicationId, status),

    /** Closes an application whose workflow was cancelled; answers how it ended (cancelled, unless already). */
    cancelPolicyApplication: ({ applicationId }: { applicationId: string }) =>
      cancelPolicyApplication(db, applicationId),
  };
}
