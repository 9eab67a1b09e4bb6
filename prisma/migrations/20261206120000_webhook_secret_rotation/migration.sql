-- Rotating an endpoint's secret keeps the replaced one signing alongside the new one for a grace period, so a
-- receiver can switch secrets without rejecting a delivery (Standard Webhooks: several signatures per header).
ALTER TABLE "WebhookEndpoint" ADD COLUMN "previousSecret" TEXT,
ADD COLUMN "previousSecretExpiresAt" TIMESTAMP(3);
