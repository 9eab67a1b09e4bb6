// The operationId of a route, derived from its method and path, so that every operation has one without a
// second list to keep in step with the routes (the typed client's method names come from them). The nouns of
// the path name the object, singular when they lead to an item (`/v1/accounts/:accountId/chat-threads` →
// `createAccountChatThread`): GET of a plural noun lists, GET of anything else gets, POST to a plural noun
// creates, POST to another word performs it as a verb (`…/:bulkActionId/cancel` → `cancelBulkAction`,
// `/v1/contacts/import` → `importContacts`), PATCH updates, PUT sets, DELETE deletes. A route whose derived
// name reads badly or collides declares its own `operationId` (buildOpenApi refuses duplicates).
import type { RouteSpec } from './route';

const VERB_ON_ITEM = { get: 'get', post: 'post', put: 'set', patch: 'update', delete: 'delete' } as const;

const pascal = (word: string) =>
  word
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/** Nouns that end in s without being plurals of an item. */
const UNCOUNTABLE = new Set(['settings']);
/** A plural path noun: accounts, chat-threads, gdpr-statuses; not status, overview, team, settings. */
const isPlural = (word: string) => word.endsWith('s') && !/(?:us|ss)$/.test(word) && !UNCOUNTABLE.has(word);
const singular = (word: string) =>
  !isPlural(word) ? word : word.endsWith('uses') ? word.slice(0, -2) : word.slice(0, -1);
/** Nouns leading to an item, as a name: ['accounts', 'chat-threads'] → AccountChatThread. */
const itemName = (nouns: string[]) => nouns.map((w) => pascal(singular(w))).join('');

/** The path after /v1 as nouns and parameters (null); a leading `:kind` parameter stands for `items`. */
const tokens = (path: string): (string | null)[] =>
  path
    .split('/')
    .filter((p) => p && p !== 'v1')
    .map((p, i) => (!p.startsWith(':') ? p : i === 0 ? 'items' : null));

export function deriveOperationId(spec: Pick<RouteSpec, 'method' | 'path'>): string {
  const all = tokens(spec.path);
  const nouns = all.filter((t): t is string => t !== null);
  const last = all[all.length - 1];
  if (last === null) return VERB_ON_ITEM[spec.method] + itemName(nouns);
  const parents = nouns.slice(0, -1);
  const previous = all[all.length - 2]; // undefined: first word; null: a parameter; a string: a bare noun
  if (spec.method === 'get') return (isPlural(last) ? 'list' : 'get') + itemName(parents) + pascal(last);
  if (spec.method !== 'post') return VERB_ON_ITEM[spec.method] + itemName(parents) + pascal(last);
  if (isPlural(last) && typeof previous !== 'string') return 'create' + itemName(parents) + pascal(singular(last));
  // A verb: on the collection it follows (importContacts), or on the item it follows (cancelBulkAction).
  const verb = pascal(last);
  const object = typeof previous === 'string' ? itemName(parents.slice(0, -1)) + pascal(previous) : itemName(parents);
  return verb[0].toLowerCase() + verb.slice(1) + object;
}

/** The route's own operationId, or the derived one. */
export const operationIdOf = (spec: RouteSpec): string => spec.operationId ?? deriveOperationId(spec);
