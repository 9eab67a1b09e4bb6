// The Prisma client over the pg driver adapter (no native query engine needed).
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma';

export type Db = PrismaClient;
/** The client inside an interactive transaction. */
export type Tx = Prisma.TransactionClient;
/** Either: for reads and writes that work inside or outside a transaction. */
export type Queryable = Db | Tx;
export { Prisma } from '../generated/prisma';

export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
}

/** A unique constraint refused the write (Prisma's P2002): the row exists already. */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}
