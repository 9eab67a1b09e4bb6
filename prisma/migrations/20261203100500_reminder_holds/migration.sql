-- Reminders a send window or pause held (issue 12), for the explainer: when each was due and why it waited.
CREATE TABLE "ReminderHold" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "itemId" UUID NOT NULL,
    "cycleKey" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "sendAt" TIMESTAMP(3) NOT NULL,
    "reasons" TEXT[],
    "timeZone" TEXT NOT NULL,
    "pausedUntil" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReminderHold_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ReminderHold_itemKind_itemId_cycleKey_seq_key" ON "ReminderHold"("itemKind", "itemId", "cycleKey", "seq");
