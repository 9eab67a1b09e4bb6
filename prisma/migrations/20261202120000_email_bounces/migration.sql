-- A contact email the mail server refused for good (SMTP 5xx) is marked bouncing: excluded from later
-- notifications and reminders (reason `bounced`) until its address is edited.
ALTER TABLE "ContactEmail" ADD COLUMN "bouncedAt" TIMESTAMP(3),
ADD COLUMN "bounceReason" TEXT;
