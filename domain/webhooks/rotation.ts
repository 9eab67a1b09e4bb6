// Rotating an endpoint's signing secret without a gap: the new secret signs every delivery from now on, and the
// replaced one keeps signing alongside it for a grace period (the Standard Webhooks header holds several
// space-separated signatures; a receiver's library accepts the delivery if any one verifies), so the receiver
// can switch its secret at any moment of that window. A grace of 0 drops the old secret at once (it leaked).
import type { Db } from '../../prisma/client';
import type { Actor } from '../access/access';
import { audit } from '../audit/audit';
import { invalid } from '../errors';
import { lockEndpoint, presentEndpoint, requireWebhookManager } from './endpoints';
import { newWebhookSecret } from './secret';

export interface SecretRotationInput {
  /** Absent: Nudge generates one. */
  secret?: string;
  /** How long the replaced secret still signs, 0 to 168 hours. */
  keepPreviousForHours: number;
}

/** The secrets a delivery attempted now is signed with: the endpoint's own, and the replaced one during its grace. */
export function signingSecrets(
  e: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
  now = new Date(),
): string[] {
  const inGrace = e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now;
  return inGrace ? [e.secret, e.previousSecret!] : [e.secret];
}

export function createSecretRotation(db: Db) {
  return {
    /**
     * A new secret for the endpoint, shown only in this answer. A rotation during another's grace ends that
     * grace: only the secret it replaces keeps signing.
     */
    async rotateSecret(firmId: string, actor: Actor, endpointId: string, input: SecretRotationInput) {
      requireWebhookManager(actor);
      const secret = input.secret ?? newWebhookSecret();
      const row = await db.$transaction(async (tx) => {
        const e = await lockEndpoint(tx, firmId, endpointId);
        if (secret === e.secret) throw invalid('body.secret', 'must differ from the endpoint’s current secret');
        const keep = input.keepPreviousForHours > 0;
        const previousSecretExpiresAt = keep ? new Date(Date.now() + input.keepPreviousForHours * 3_600_000) : null;
        const updated = await tx.webhookEndpoint.update({
          where: { id: e.id },
          data: { secret, previousSecret: keep ? e.secret : null, previousSecretExpiresAt },
        });
        await audit(tx, {
          firmId,
          actorId: actor.id,
          action: 'webhook.secret_rotated',
          data: { webhookId: e.id, previousSecretExpiresAt: previousSecretExpiresAt?.toISOString() ?? null },
        });
        return updated;
      });
      return { ...presentEndpoint(row), secret };
    },
  };
}
