-- Manual resends keep their message in the database; the workflow is signalled the id only.
CREATE TABLE "ManualResend" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "itemId" UUID NOT NULL,
    "requestedBy" UUID NOT NULL,
    "message" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ManualResend_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "ManualResend_itemKind_itemId_idx" ON "ManualResend"("itemKind", "itemId");

ALTER TABLE "ManualResend" ADD CONSTRAINT "ManualResend_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
