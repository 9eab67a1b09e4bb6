// Activities of the digest workflow (issue 12): thin wrappers over domain/digest/.
import { createDigestSender, type DigestAddress, type DigestDeps } from '../domain/digest/send';
import { retryWhenInFlight } from './failures';
import { heartbeatWhenDue } from './heartbeat';

export type DigestActivityDeps = DigestDeps;

export function createDigestActivities(deps: DigestActivityDeps) {
  const digests = createDigestSender(deps);
  return {
    /** When the address's waiting reminders go (ids and instants only). */
    planDigest: (address: DigestAddress) => digests.planDigest(address),
    /** Heartbeats while it sends when one is due, so Temporal notices a dead worker within seconds. */
    sendDigest: (address: DigestAddress) => {
      const heartbeat = heartbeatWhenDue();
      return retryWhenInFlight(() => digests.sendDigest(address, heartbeat));
    },
  };
}
