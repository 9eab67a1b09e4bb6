-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "FirmUserRole" AS ENUM ('owner', 'admin', 'employee');

-- CreateEnum
CREATE TYPE "AccountType" AS ENUM ('individual', 'company', 'other');

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('active', 'archived');

-- CreateEnum
CREATE TYPE "LoginStatus" AS ENUM ('off', 'pending', 'active');

-- CreateEnum
CREATE TYPE "ItemKind" AS ENUM ('chat', 'signature', 'approval');

-- CreateEnum
CREATE TYPE "MessageAuthor" AS ENUM ('firm', 'client');

-- CreateEnum
CREATE TYPE "ChatThreadStatus" AS ENUM ('open', 'archived');

-- CreateEnum
CREATE TYPE "SignatureStatus" AS ENUM ('pending', 'signed', 'cancelled');

-- CreateEnum
CREATE TYPE "ApprovalStatus" AS ENUM ('pending', 'approved', 'cancelled');

-- CreateEnum
CREATE TYPE "DispatchKind" AS ENUM ('notification', 'reminder', 'manual');

-- CreateEnum
CREATE TYPE "EmailStatus" AS ENUM ('pending', 'sending', 'sent', 'failed');

-- CreateEnum
CREATE TYPE "TodoStatus" AS ENUM ('open', 'done');

-- CreateEnum
CREATE TYPE "InvitationStatus" AS ENUM ('scheduled', 'sent', 'accepted', 'revoked', 'expired');

-- CreateEnum
CREATE TYPE "BulkActionStatus" AS ENUM ('running', 'completed', 'cancelled', 'failed');

-- CreateTable
CREATE TABLE "Firm" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Firm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FirmUser" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "FirmUserRole" NOT NULL,
    "canViewAllAccounts" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FirmUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Account" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "type" "AccountType" NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'active',
    "photoUrl" TEXT,
    "customFields" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tag" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "color" TEXT NOT NULL DEFAULT '#9e9e9e',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountTag" (
    "accountId" UUID NOT NULL,
    "tagId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountTag_pkey" PRIMARY KEY ("accountId","tagId")
);

-- CreateTable
CREATE TABLE "AccountTeamMember" (
    "accountId" UUID NOT NULL,
    "firmUserId" UUID NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountTeamMember_pkey" PRIMARY KEY ("accountId","firmUserId")
);

-- CreateTable
CREATE TABLE "AccountTeamChange" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "firmUserId" UUID NOT NULL,
    "added" BOOLEAN NOT NULL,
    "changedBy" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountTeamChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Contact" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "firstName" TEXT NOT NULL,
    "lastName" TEXT NOT NULL DEFAULT '',
    "phone" TEXT,
    "address" JSONB,
    "customFields" JSONB NOT NULL DEFAULT '{}',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ContactEmail" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "login" "LoginStatus" NOT NULL DEFAULT 'off',
    "notify" BOOLEAN NOT NULL DEFAULT true,
    "emailSync" BOOLEAN NOT NULL DEFAULT false,
    "prefDocumentUploads" BOOLEAN NOT NULL DEFAULT true,
    "prefSignatures" BOOLEAN NOT NULL DEFAULT true,
    "prefApprovals" BOOLEAN NOT NULL DEFAULT true,
    "prefMessages" BOOLEAN NOT NULL DEFAULT true,
    "prefProposals" BOOLEAN NOT NULL DEFAULT true,
    "prefQuestionnaires" BOOLEAN NOT NULL DEFAULT true,
    "prefInvoices" BOOLEAN NOT NULL DEFAULT true,
    "prefClientRequests" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ContactEmail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountContact" (
    "accountId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "signerPriority" INTEGER NOT NULL DEFAULT 0,
    "signingAuthority" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountContact_pkey" PRIMARY KEY ("accountId","contactId")
);

-- CreateTable
CREATE TABLE "ChatTemplate" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatThread" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "status" "ChatThreadStatus" NOT NULL DEFAULT 'open',
    "reopenCount" INTEGER NOT NULL DEFAULT 0,
    "reopenedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatThread_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatMessage" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "threadId" UUID NOT NULL,
    "author" "MessageAuthor" NOT NULL,
    "firmUserId" UUID,
    "contactId" UUID,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Document" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignatureRequest" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "documentId" UUID NOT NULL,
    "status" "SignatureStatus" NOT NULL DEFAULT 'pending',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "SignatureRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignatureSigner" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "contactId" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "signedAt" TIMESTAMP(3),

    CONSTRAINT "SignatureSigner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApprovalRequest" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "documentId" UUID NOT NULL,
    "status" "ApprovalStatus" NOT NULL DEFAULT 'pending',
    "message" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "approvedAt" TIMESTAMP(3),
    "approvedBy" UUID,

    CONSTRAINT "ApprovalRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReminderSettings" (
    "firmId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "itemId" UUID NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "intervalDays" INTEGER NOT NULL DEFAULT 3,
    "count" INTEGER NOT NULL DEFAULT 1,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReminderSettings_pkey" PRIMARY KEY ("itemKind","itemId")
);

-- CreateTable
CREATE TABLE "ReminderDispatch" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "itemId" UUID NOT NULL,
    "cycleKey" TEXT NOT NULL,
    "kind" "DispatchKind" NOT NULL,
    "seq" INTEGER NOT NULL,
    "dispatchKey" TEXT NOT NULL,
    "recipients" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderDispatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundEmail" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID,
    "idempotencyKey" TEXT NOT NULL,
    "contactEmailId" UUID,
    "toAddress" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "status" "EmailStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "messageId" TEXT,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboundEmail_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PortalTodo" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "contactEmailId" UUID NOT NULL,
    "itemKind" "ItemKind" NOT NULL,
    "itemId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "status" "TodoStatus" NOT NULL DEFAULT 'open',
    "bumpedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortalTodo_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "firmId" UUID NOT NULL,
    "accountId" UUID,
    "actorType" TEXT NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "itemKind" "ItemKind",
    "itemId" UUID,
    "data" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InboxNotification" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "firmUserId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "readAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InboxNotification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "firmId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER,
    "body" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("firmId","key")
);

-- CreateTable
CREATE TABLE "Invitation" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "contactEmailId" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "status" "InvitationStatus" NOT NULL DEFAULT 'scheduled',
    "message" TEXT,
    "sendAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "acceptedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Invitation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FolderTemplate" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "folders" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FolderTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountFolder" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountFolder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkAction" (
    "id" UUID NOT NULL,
    "firmId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "startedBy" UUID NOT NULL,
    "status" "BulkActionStatus" NOT NULL DEFAULT 'running',
    "total" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "BulkAction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BulkActionItem" (
    "bulkActionId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "outcome" TEXT,
    "detail" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BulkActionItem_pkey" PRIMARY KEY ("bulkActionId","accountId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_firmId_idx" ON "ApiKey"("firmId");

-- CreateIndex
CREATE UNIQUE INDEX "FirmUser_firmId_email_key" ON "FirmUser"("firmId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "FirmUser_firmId_id_key" ON "FirmUser"("firmId", "id");

-- CreateIndex
CREATE INDEX "Account_firmId_status_name_idx" ON "Account"("firmId", "status", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Account_firmId_id_key" ON "Account"("firmId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Tag_firmId_name_key" ON "Tag"("firmId", "name");

-- CreateIndex
CREATE INDEX "AccountTag_tagId_idx" ON "AccountTag"("tagId");

-- CreateIndex
CREATE INDEX "AccountTeamMember_firmUserId_idx" ON "AccountTeamMember"("firmUserId");

-- CreateIndex
CREATE INDEX "AccountTeamChange_accountId_createdAt_idx" ON "AccountTeamChange"("accountId", "createdAt");

-- CreateIndex
CREATE INDEX "Contact_firmId_lastName_firstName_idx" ON "Contact"("firmId", "lastName", "firstName");

-- CreateIndex
CREATE UNIQUE INDEX "Contact_firmId_id_key" ON "Contact"("firmId", "id");

-- CreateIndex
CREATE INDEX "ContactEmail_contactId_idx" ON "ContactEmail"("contactId");

-- CreateIndex
CREATE UNIQUE INDEX "ContactEmail_firmId_address_key" ON "ContactEmail"("firmId", "address");

-- CreateIndex
CREATE INDEX "AccountContact_contactId_idx" ON "AccountContact"("contactId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatTemplate_firmId_name_key" ON "ChatTemplate"("firmId", "name");

-- CreateIndex
CREATE INDEX "ChatThread_firmId_accountId_updatedAt_idx" ON "ChatThread"("firmId", "accountId", "updatedAt");

-- CreateIndex
CREATE INDEX "ChatMessage_threadId_createdAt_idx" ON "ChatMessage"("threadId", "createdAt");

-- CreateIndex
CREATE INDEX "Document_firmId_accountId_idx" ON "Document"("firmId", "accountId");

-- CreateIndex
CREATE INDEX "SignatureRequest_firmId_accountId_status_idx" ON "SignatureRequest"("firmId", "accountId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "SignatureSigner_requestId_contactId_key" ON "SignatureSigner"("requestId", "contactId");

-- CreateIndex
CREATE INDEX "ApprovalRequest_firmId_accountId_status_idx" ON "ApprovalRequest"("firmId", "accountId", "status");

-- CreateIndex
CREATE INDEX "ReminderSettings_firmId_idx" ON "ReminderSettings"("firmId");

-- CreateIndex
CREATE UNIQUE INDEX "ReminderDispatch_dispatchKey_key" ON "ReminderDispatch"("dispatchKey");

-- CreateIndex
CREATE INDEX "ReminderDispatch_itemKind_itemId_cycleKey_idx" ON "ReminderDispatch"("itemKind", "itemId", "cycleKey");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundEmail_idempotencyKey_key" ON "OutboundEmail"("idempotencyKey");

-- CreateIndex
CREATE INDEX "OutboundEmail_firmId_accountId_createdAt_idx" ON "OutboundEmail"("firmId", "accountId", "createdAt");

-- CreateIndex
CREATE INDEX "PortalTodo_firmId_itemKind_itemId_idx" ON "PortalTodo"("firmId", "itemKind", "itemId");

-- CreateIndex
CREATE UNIQUE INDEX "PortalTodo_contactEmailId_itemKind_itemId_key" ON "PortalTodo"("contactEmailId", "itemKind", "itemId");

-- CreateIndex
CREATE INDEX "AuditEvent_firmId_accountId_id_idx" ON "AuditEvent"("firmId", "accountId", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_firmId_itemKind_itemId_idx" ON "AuditEvent"("firmId", "itemKind", "itemId");

-- CreateIndex
CREATE INDEX "InboxNotification_firmId_firmUserId_createdAt_idx" ON "InboxNotification"("firmId", "firmUserId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Invitation_tokenHash_key" ON "Invitation"("tokenHash");

-- CreateIndex
CREATE INDEX "Invitation_contactEmailId_status_idx" ON "Invitation"("contactEmailId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "FolderTemplate_firmId_name_key" ON "FolderTemplate"("firmId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "AccountFolder_accountId_path_key" ON "AccountFolder"("accountId", "path");

-- CreateIndex
CREATE INDEX "BulkAction_firmId_createdAt_idx" ON "BulkAction"("firmId", "createdAt");

-- CreateIndex
CREATE INDEX "BulkActionItem_bulkActionId_position_idx" ON "BulkActionItem"("bulkActionId", "position");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_firmId_fkey" FOREIGN KEY ("firmId") REFERENCES "Firm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FirmUser" ADD CONSTRAINT "FirmUser_firmId_fkey" FOREIGN KEY ("firmId") REFERENCES "Firm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_firmId_fkey" FOREIGN KEY ("firmId") REFERENCES "Firm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tag" ADD CONSTRAINT "Tag_firmId_fkey" FOREIGN KEY ("firmId") REFERENCES "Firm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountTag" ADD CONSTRAINT "AccountTag_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountTag" ADD CONSTRAINT "AccountTag_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "Tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountTeamMember" ADD CONSTRAINT "AccountTeamMember_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountTeamMember" ADD CONSTRAINT "AccountTeamMember_firmUserId_fkey" FOREIGN KEY ("firmUserId") REFERENCES "FirmUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountTeamChange" ADD CONSTRAINT "AccountTeamChange_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Contact" ADD CONSTRAINT "Contact_firmId_fkey" FOREIGN KEY ("firmId") REFERENCES "Firm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContactEmail" ADD CONSTRAINT "ContactEmail_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountContact" ADD CONSTRAINT "AccountContact_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountContact" ADD CONSTRAINT "AccountContact_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatTemplate" ADD CONSTRAINT "ChatTemplate_firmId_fkey" FOREIGN KEY ("firmId") REFERENCES "Firm"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatThread" ADD CONSTRAINT "ChatThread_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatMessage" ADD CONSTRAINT "ChatMessage_threadId_fkey" FOREIGN KEY ("threadId") REFERENCES "ChatThread"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Document" ADD CONSTRAINT "Document_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignatureRequest" ADD CONSTRAINT "SignatureRequest_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignatureRequest" ADD CONSTRAINT "SignatureRequest_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "Document"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignatureSigner" ADD CONSTRAINT "SignatureSigner_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "SignatureRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignatureSigner" ADD CONSTRAINT "SignatureSigner_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "Contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalRequest" ADD CONSTRAINT "ApprovalRequest_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApprovalRequest" ADD CONSTRAINT "ApprovalRequest_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "Document"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortalTodo" ADD CONSTRAINT "PortalTodo_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortalTodo" ADD CONSTRAINT "PortalTodo_contactEmailId_fkey" FOREIGN KEY ("contactEmailId") REFERENCES "ContactEmail"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InboxNotification" ADD CONSTRAINT "InboxNotification_firmUserId_fkey" FOREIGN KEY ("firmUserId") REFERENCES "FirmUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Invitation" ADD CONSTRAINT "Invitation_contactEmailId_fkey" FOREIGN KEY ("contactEmailId") REFERENCES "ContactEmail"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountFolder" ADD CONSTRAINT "AccountFolder_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BulkActionItem" ADD CONSTRAINT "BulkActionItem_bulkActionId_fkey" FOREIGN KEY ("bulkActionId") REFERENCES "BulkAction"("id") ON DELETE CASCADE ON UPDATE CASCADE;

