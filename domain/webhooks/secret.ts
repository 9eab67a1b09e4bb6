// Webhook signing secrets in the Standard Webhooks format: `whsec_` and the base64 of 24 to 64 random bytes.
import { randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

export const newWebhookSecret = () => PREFIX + randomBytes(32).toString('base64');

/**
 * `whsec_` and padded base64 in whole groups of 4 characters: Go's, Rust's and C#'s decoders (the Standard
 * Webhooks reference libraries) refuse unpadded base64 that Node's lenient decoder takes.
 */
export const WEBHOOK_SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const WEBHOOK_SECRET_SHAPE = 'must be a Standard Webhooks secret: whsec_ and padded base64';

/** Why a secret a firm brings is not one every Standard Webhooks library accepts (so its receiver can verify); null if it is. */
export function webhookSecretProblem(secret: string): string | null {
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) return WEBHOOK_SECRET_SHAPE;
  const body = secret.slice(PREFIX.length);
  const bytes = Buffer.from(body, 'base64');
  // Strict decoders (Rust's) also refuse a last character with unused bits set: only canonical base64 re-encodes to itself.
  if (bytes.toString('base64') !== body) return 'must be canonical base64 (re-encoding it gives it back)';
  if (bytes.length < 24 || bytes.length > 64) return 'must decode to 24 to 64 bytes';
  return null;
}
