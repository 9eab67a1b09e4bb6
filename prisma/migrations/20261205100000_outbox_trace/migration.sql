-- The W3C trace context of the change that queued an outbox row (issue 10 leftover): a call the background
-- relay delivers later continues the request's trace instead of starting its own. Null: no trace.
ALTER TABLE "outbox" ADD COLUMN "trace" JSONB;
