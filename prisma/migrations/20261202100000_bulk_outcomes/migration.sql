-- The per-account rows of a bulk action are its outcomes: rename the table, and its primary key,
-- unique index and foreign key to the names Prisma gives them for the model BulkActionOutcome.
-- A rename only: no row is rewritten.

-- RenameTable
ALTER TABLE "BulkActionItem" RENAME TO "BulkActionOutcome";

-- RenamePrimaryKey (renames its index too)
ALTER TABLE "BulkActionOutcome" RENAME CONSTRAINT "BulkActionItem_pkey" TO "BulkActionOutcome_pkey";

-- RenameIndex
ALTER INDEX "BulkActionItem_bulkActionId_position_key" RENAME TO "BulkActionOutcome_bulkActionId_position_key";

-- RenameForeignKey
ALTER TABLE "BulkActionOutcome" RENAME CONSTRAINT "BulkActionItem_bulkActionId_fkey" TO "BulkActionOutcome_bulkActionId_fkey";
