// Activities of the participant notification workflow: a thin wrapper over the domain's client-action emails.
import { createClientActionEmails, type ClientActionEmailDeps } from '../domain/timeline/client-action-emails';
import type { ClientActionEmail } from '../shared/contracts/participant-notification';
import { withActivityFailures } from './failures';

export function createParticipantActivities(deps: ClientActionEmailDeps) {
  const emails = createClientActionEmails(deps);
  return {
    sendClientActionEmail: (job: ClientActionEmail) => withActivityFailures(() => emails.sendClientActionEmail(job)),
  };
}
