-- Issue 12, part 3: one digest per person. The firm's digest setting, and each automatic reminder of an item
-- for one address waiting for (or gone in) that address's digest.

-- CreateTable
CREATE TABLE "FirmDigestSetting" (
    "firmId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "windowMinutes" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FirmDigestSetting_pkey" PRIMARY KEY ("firmId")
);

-- CreateTable
CREATE TABLE "DigestEntry" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "contactEmailId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "itemId" UUID NOT NULL,
    "dispatchKey" TEXT NOT NULL,
    "activationBanner" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "digestKey" TEXT,
    "dropReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settledAt" TIMESTAMP(3),

    CONSTRAINT "DigestEntry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DigestEntry_dispatchKey_contactEmailId_key" ON "DigestEntry"("dispatchKey", "contactEmailId");

-- CreateIndex
CREATE INDEX "DigestEntry_contactEmailId_state_createdAt_idx" ON "DigestEntry"("contactEmailId", "state", "createdAt");

-- CreateIndex
CREATE INDEX "DigestEntry_itemKind_itemId_idx" ON "DigestEntry"("itemKind", "itemId");
