-- The reconciler looks for reminders still waiting for their digest (state pending or claimed) across all
-- addresses every pass: by state and age, without reading the settled rows of every address.
CREATE INDEX "DigestEntry_state_createdAt_idx" ON "DigestEntry"("state", "createdAt");
