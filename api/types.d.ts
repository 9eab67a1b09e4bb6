// What the auth middleware attaches to each request.
import 'express';

declare global {
  namespace Express {
    interface Request {
      id: string;
      firmId: string;
      /** The firm user acting, from X-Acting-User. */
      actorId: string;
      /** Validated and parsed parts of the request, set by api/route.ts. */
      valid: { body?: any; query?: any; params?: any };
    }
  }
}
