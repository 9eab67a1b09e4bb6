// All activities the worker registers, from one set of dependencies.
import { createReminderActivities, type ReminderActivityDeps } from './reminder-activities';
import { createInvitationActivities } from './invitation-activities';
import { createParticipantActivities } from './participant-activities';
import { createBulkActivities } from './bulk-activities';
import { createReconcilerActivities } from './reconciler-activities';
import { createWebhookActivities, type WebhookActivityDeps } from './webhook-activities';
import { createDigestActivities, type DigestActivityDeps } from './digest-activities';
import { createPolicyActivities } from './policy-activities';

export type ActivityDeps = ReminderActivityDeps & WebhookActivityDeps & DigestActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createReminderActivities(deps),
    ...createInvitationActivities(deps),
    ...createParticipantActivities(deps),
    ...createBulkActivities(deps),
    ...createReconcilerActivities(deps),
    ...createWebhookActivities(deps),
    ...createDigestActivities(deps),
    ...createPolicyActivities(deps),
  };
}
