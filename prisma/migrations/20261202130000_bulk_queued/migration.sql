-- AlterEnum
ALTER TYPE "BulkActionStatus" ADD VALUE 'queued' BEFORE 'running';
