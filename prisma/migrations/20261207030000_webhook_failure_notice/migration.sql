-- When the firm's owners and admins were last told that a delivery to the endpoint failed for good: at most one
-- such notice a day per endpoint, however many events an outage failed.
ALTER TABLE "WebhookEndpoint" ADD COLUMN "failureNoticeAt" TIMESTAMP(3);
