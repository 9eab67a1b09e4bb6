// The typed client for firm apps: openapi-fetch calls typed by client/schema.d.ts (generated from the
// API's OpenAPI document by `npm run client:generate`), with the firm's credentials on every call and the
// retrying transport of client/retry.ts. It imports nothing from the service, so it can be copied as is.
//
//   const nudge = createNudgeClient({ baseUrl, apiKey, actingUser });
//   const { data, error } = await nudge.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
//   const same = await nudge.getAccount({ params: { path: { accountId } } });   // by operationId
import createClient, { type Client, type ClientForPath } from 'openapi-fetch';
import type { components, operations, paths } from './schema';
import { retryingFetch, type RetryOptions } from './retry';
import { operationRoutes } from './operations';

export type { components, operations, paths } from './schema';
export type { RetryOptions } from './retry';

/** A problem+json error answer (`error` of a failed call): type, title, status, detail, errors per field. */
export type NudgeProblem = components['schemas']['Problem'];
type Routes = typeof operationRoutes;
/** One method per operationId, typed as openapi-fetch types the call by method and path. */
export type NudgeOperations = {
  [Op in keyof Routes]: ClientForPath<paths[Routes[Op]['path']], `${string}/${string}`>[Uppercase<
    Routes[Op]['method']
  >];
};
export type NudgeClient = Client<paths> & NudgeOperations;
/** An operation's JSON request body, by operationId: `Body<'createAccount'>`. */
export type Body<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export interface NudgeClientOptions {
  /** Where the API answers, e.g. http://localhost:3000. */
  baseUrl: string;
  /** The firm's API key (`npx nudge firm create`, `POST /v1/api-keys`). */
  apiKey: string;
  /** The firm user acting, recorded in the audit trail; a call may name another in its X-Acting-User header. */
  actingUser: string;
  /** The transport (default: the global fetch); the client retries around it. */
  fetch?: (input: Request) => Promise<Response>;
  retry?: RetryOptions;
}

export function createNudgeClient(options: NudgeClientOptions): NudgeClient {
  const transport = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { Authorization: `Bearer ${options.apiKey}`, 'X-Acting-User': options.actingUser },
    fetch: retryingFetch(transport, options.retry),
  });
  const byOperationId = Object.fromEntries(
    Object.entries(operationRoutes).map(([id, { method, path }]) => [
      id,
      // The types come from NudgeOperations; at run time each is the same request by method and path.
      (init?: object) => (client.request as (m: string, p: string, i?: object) => unknown)(method, path, init),
    ]),
  ) as NudgeOperations;
  return Object.assign(client, byOperationId);
}
