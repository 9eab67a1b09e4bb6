-- A firm user taken out of the firm (PATCH /v1/users/:id {"active": false}): kept for the trail and their
-- assignments, no longer able to act, named as a participant or a team member, or sent notices.
ALTER TABLE "FirmUser" ADD COLUMN "deactivatedAt" TIMESTAMP(3);
