-- Issue 12: a language per firm (default of its contacts) and per contact, firm overrides of each email kind per
-- language, and one-click unsubscribes (RFC 8058).
ALTER TABLE "Firm" ADD COLUMN "language" TEXT NOT NULL DEFAULT 'en';

ALTER TABLE "Contact" ADD COLUMN "language" TEXT;

-- CreateTable
CREATE TABLE "EmailKindTemplate" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "language" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EmailKindTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailUnsubscribe" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "contactEmailId" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailUnsubscribe_pkey" PRIMARY KEY ("id")
);


-- CreateIndex
CREATE UNIQUE INDEX "EmailKindTemplate_firmId_kind_language_key" ON "EmailKindTemplate"("firmId", "kind", "language");

-- CreateIndex
CREATE INDEX "EmailUnsubscribe_firmId_idx" ON "EmailUnsubscribe"("firmId");

-- CreateIndex
CREATE UNIQUE INDEX "EmailUnsubscribe_contactEmailId_category_key" ON "EmailUnsubscribe"("contactEmailId", "category");


-- AddForeignKey
ALTER TABLE "EmailUnsubscribe" ADD CONSTRAINT "EmailUnsubscribe_contactEmailId_fkey" FOREIGN KEY ("contactEmailId") REFERENCES "ContactEmail"("id") ON DELETE CASCADE ON UPDATE CASCADE;

