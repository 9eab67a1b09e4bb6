// Invitation tokens: URL-safe, stored only as their SHA-256 hash (the API and the activity share this;
// workflows never import it, so node:crypto stays out of the workflow bundle).
import { createHash, randomBytes } from 'node:crypto';
import { hmacSha256 } from '../hmac';

/** A token nobody holds: the placeholder hash of an invitation not sent yet. */
export const newInvitationToken = () => randomBytes(32).toString('base64url');
export const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The token of one invitation email, derived from its business key under the server secret (a key of its own
 * for this purpose): every copy of that email, a retry after a crash that may have sent one included, carries
 * the same link, and nobody without the secret can make one. A resend has a key, so a link, of its own.
 */
export const invitationEmailToken = (secret: string, emailKey: string) =>
  hmacSha256(hmacSha256(secret, 'nudge:invitation-token'), emailKey).toString('base64url');
