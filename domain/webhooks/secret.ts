// Webhook signing secrets in the Standard Webhooks format: `whsec_` and the base64 of 24 to 64 random bytes.
import { randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export const newWebhookSecret = () => PREFIX + randomBytes(32).toString('base64');

/** A secret a firm brings must be one the Standard Webhooks libraries accept (so its receiver can verify). */
export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false;
  const body = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return false;
  const bytes = Buffer.from(body, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}
