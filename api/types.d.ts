// What the auth middleware attaches to each request. The validated parts of a request are typed per
// route: see ValidRequest in api/route.ts.
import 'express';

declare global {
  namespace Express {
    interface Request {
      id: string;
      firmId: string;
      /** The firm user acting, from X-Acting-User. */
      actorId: string;
      /** Role and rights of the acting firm user, for permission checks (domain/access/access.ts). */
      actor: { id: string; role: 'owner' | 'admin' | 'employee'; canViewAllAccounts: boolean };
    }
  }
}
