-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN "committedAt" TIMESTAMP(3);
