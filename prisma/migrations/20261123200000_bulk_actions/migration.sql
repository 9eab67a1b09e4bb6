-- DropIndex
DROP INDEX "BulkActionItem_bulkActionId_position_idx";

-- AlterTable
ALTER TABLE "BulkAction" ADD COLUMN     "cancelRequestedAt" TIMESTAMP(3),
ADD COLUMN     "dryRun" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "retryOf" UUID,
ADD COLUMN     "selection" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "BulkActionItem" ADD COLUMN     "effectsPending" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "result" JSONB;

-- CreateIndex
CREATE UNIQUE INDEX "BulkAction_firmId_idempotencyKey_key" ON "BulkAction"("firmId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "BulkActionItem_bulkActionId_position_key" ON "BulkActionItem"("bulkActionId", "position");

