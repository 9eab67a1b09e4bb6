-- CreateEnum
CREATE TYPE "CustomFieldEntity" AS ENUM ('account', 'contact');

-- CreateEnum
CREATE TYPE "CustomFieldType" AS ENUM ('text', 'number', 'date', 'email', 'select');

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "assignedUserId" UUID;

-- AlterTable
ALTER TABLE "Contact" ADD COLUMN     "assignedUserId" UUID,
ADD COLUMN     "gdprStatus" TEXT,
ADD COLUMN     "gdprUpdatedAt" TIMESTAMP(3),
ADD COLUMN     "status" TEXT;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "contactId" UUID;

-- CreateTable
CREATE TABLE "CustomFieldDefinition" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "entity" "CustomFieldEntity" NOT NULL,
    "key" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "type" "CustomFieldType" NOT NULL,
    "options" JSONB NOT NULL DEFAULT '[]',
    "required" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomFieldDefinition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EmailTemplate" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GdprStatusDefinition" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "emailTemplateId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GdprStatusDefinition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomActionDefinition" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "fields" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomActionDefinition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Note" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID,
    "contactId" UUID,
    "authorId" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NoteParticipant" (
    "noteId" UUID NOT NULL,
    "firmUserId" UUID NOT NULL,

    CONSTRAINT "NoteParticipant_pkey" PRIMARY KEY ("noteId","firmUserId")
);

-- CreateTable
CREATE TABLE "NoteComment" (
    "id" UUID NOT NULL,
    "noteId" UUID NOT NULL,
    "authorId" UUID NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NoteComment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginEvent" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "contactEmailId" UUID NOT NULL,
    "accountId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LoginEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CustomFieldDefinition_firmId_entity_key_key" ON "CustomFieldDefinition"("firmId", "entity", "key");

-- CreateIndex
CREATE UNIQUE INDEX "EmailTemplate_firmId_name_key" ON "EmailTemplate"("firmId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "GdprStatusDefinition_firmId_name_key" ON "GdprStatusDefinition"("firmId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "CustomActionDefinition_firmId_name_key" ON "CustomActionDefinition"("firmId", "name");

-- CreateIndex
CREATE INDEX "Note_firmId_accountId_createdAt_idx" ON "Note"("firmId", "accountId", "createdAt");

-- CreateIndex
CREATE INDEX "Note_firmId_contactId_createdAt_idx" ON "Note"("firmId", "contactId", "createdAt");

-- CreateIndex
CREATE INDEX "NoteComment_noteId_createdAt_idx" ON "NoteComment"("noteId", "createdAt");

-- CreateIndex
CREATE INDEX "LoginEvent_firmId_accountId_createdAt_idx" ON "LoginEvent"("firmId", "accountId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_firmId_contactId_id_idx" ON "AuditEvent"("firmId", "contactId", "id");

-- AddForeignKey
ALTER TABLE "NoteParticipant" ADD CONSTRAINT "NoteParticipant_noteId_fkey" FOREIGN KEY ("noteId") REFERENCES "Note"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NoteComment" ADD CONSTRAINT "NoteComment_noteId_fkey" FOREIGN KEY ("noteId") REFERENCES "Note"("id") ON DELETE CASCADE ON UPDATE CASCADE;

