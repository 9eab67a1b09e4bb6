-- The reconciler's candidate pages walk these in their (time, id) order from the page's bound and stop after
-- about a page's rows (bench/reconciler-candidates.ts); without them every page joined and sorted all candidates.

-- CreateIndex
CREATE INDEX "ReminderSettings_enabled_updatedAt_itemId_idx" ON "ReminderSettings"("enabled", "updatedAt", "itemId");

-- CreateIndex
CREATE INDEX "ChatThread_status_updatedAt_id_idx" ON "ChatThread"("status", "updatedAt", "id");

-- A thread's latest message (createdAt DESC, id DESC) read off the index without a sort. The new index is built
-- before the old one goes, so chat reads keep an index throughout.
-- CreateIndex
CREATE INDEX "ChatMessage_threadId_createdAt_id_idx" ON "ChatMessage"("threadId", "createdAt", "id");

-- DropIndex
DROP INDEX "ChatMessage_threadId_createdAt_idx";
