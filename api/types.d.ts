// What the auth middleware attaches to each request.
import 'express';

declare global {
  namespace Express {
    interface Request {
      id: string;
      firmId: string;
      /** The firm user acting, from X-Acting-User. */
      actorId: string;
      /** Role and rights of the acting firm user, for permission checks (api/services/access.ts). */
      actor: { id: string; role: 'owner' | 'admin' | 'employee'; canViewAllAccounts: boolean };
      /** Validated and parsed parts of the request, set by api/route.ts. */
      valid: { body?: any; query?: any; params?: any };
    }
  }
}
