// Invitation tokens: random, URL-safe, stored only as their SHA-256 hash (the API and the activity share
// this; workflows never import it, so node:crypto stays out of the workflow bundle).
import { createHash, randomBytes } from 'node:crypto';

export const newInvitationToken = () => randomBytes(32).toString('base64url');
export const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('hex');
