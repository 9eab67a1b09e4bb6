-- Send windows and pauses (issue 12): a contact's time zone, the firm's send window, reminder pauses.
ALTER TABLE "Contact" ADD COLUMN "timeZone" TEXT;

CREATE TABLE "FirmSendWindow" (
    "firmId" UUID NOT NULL,
    "timeZone" TEXT NOT NULL,
    "hours" JSONB NOT NULL,
    "closedDays" TEXT[],
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FirmSendWindow_pkey" PRIMARY KEY ("firmId")
);

CREATE TABLE "ReminderPause" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "target" TEXT NOT NULL,
    "itemKind" "ItemKind",
    "itemId" UUID,
    "contactId" UUID,
    "until" TIMESTAMP(3) NOT NULL,
    "createdBy" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderPause_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "ReminderPause_contactId_idx" ON "ReminderPause"("contactId");

CREATE UNIQUE INDEX "ReminderPause_firmId_target_key" ON "ReminderPause"("firmId", "target");
