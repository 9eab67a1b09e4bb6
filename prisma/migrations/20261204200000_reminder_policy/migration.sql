-- Firm reminder policy (issue 12 part 5): defaults per item kind, where an item's settings come from, and
-- applications of a policy change to the running reminders with their per-item outcomes.
CREATE TYPE "ReminderSettingsSource" AS ENUM ('own', 'policy');

CREATE TYPE "ReminderSendWindow" AS ENUM ('firm', 'anytime');

-- Rows written before the policy existed were chosen for their item: they stay its own.
ALTER TABLE "ReminderSettings" ADD COLUMN "source" "ReminderSettingsSource" NOT NULL DEFAULT 'own',
ADD COLUMN "sendWindow" "ReminderSendWindow" NOT NULL DEFAULT 'firm';

CREATE TABLE "FirmReminderPolicy" (
    "firmId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "intervalDays" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "sendWindow" "ReminderSendWindow" NOT NULL DEFAULT 'firm',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedBy" UUID NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FirmReminderPolicy_pkey" PRIMARY KEY ("firmId","itemKind")
);

CREATE TABLE "ReminderPolicyApplication" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "policyVersion" INTEGER NOT NULL,
    "settings" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "requestedBy" UUID NOT NULL,
    "total" INTEGER,
    "report" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ReminderPolicyApplication_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ReminderPolicyApplicationItem" (
    "applicationId" UUID NOT NULL,
    "itemId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "accountId" UUID,
    "outcome" TEXT,
    "previous" JSONB,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "ReminderPolicyApplicationItem_pkey" PRIMARY KEY ("applicationId","itemId")
);

CREATE INDEX "ReminderPolicyApplication_firmId_createdAt_idx" ON "ReminderPolicyApplication"("firmId", "createdAt");

CREATE INDEX "ReminderPolicyApplicationItem_applicationId_position_idx" ON "ReminderPolicyApplicationItem"("applicationId", "position");

ALTER TABLE "ReminderPolicyApplicationItem" ADD CONSTRAINT "ReminderPolicyApplicationItem_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "ReminderPolicyApplication"("id") ON DELETE CASCADE ON UPDATE CASCADE;
