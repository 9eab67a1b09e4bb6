// Activities of the invitation workflow: thin wrappers over the domain's invitation delivery.
import { createInvitationDelivery, type InvitationDeliveryDeps } from '../domain/invitations/delivery';
import type { SendInvitationRequest } from '../domain/invitations/delivery';
import { withActivityFailures } from './failures';

export function createInvitationActivities(deps: InvitationDeliveryDeps) {
  const delivery = createInvitationDelivery(deps);
  return {
    sendInvitation: (req: SendInvitationRequest) => withActivityFailures(() => delivery.sendInvitation(req)),
    expireInvitation: (invitationId: string, resendsSeen?: number) =>
      withActivityFailures(() => delivery.expireInvitation(invitationId, resendsSeen)),
  };
}
