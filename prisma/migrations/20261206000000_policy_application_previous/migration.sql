-- A change applied to running reminders no longer writes the old policy down for every item following it
-- without a row (those not running would have kept it); the application keeps the old policy instead, as the
-- previous settings of such items.
ALTER TABLE "ReminderPolicyApplication" ADD COLUMN "previousSettings" JSONB;
