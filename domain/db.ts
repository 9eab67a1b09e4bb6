// The database handle every domain operation takes. The API's routes hold it only to pass it on, so they
// name it from here, not from prisma/ (they may not import Prisma).
export type { Db } from '../prisma/client';
