// Registers Nudge's search attributes in the worker's namespace at start, when missing: every workflow start
// carries them and the server refuses a start with an unknown one. The dev server and docker-compose register them
// before; this covers a Temporal the operator runs (TEMPORAL_ADDRESS). Temporal Cloud denies it: we say how instead.
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTES } from '../shared/contracts/search-attributes';

const KEYWORD = encodeSearchAttributeIndexedValueType(SearchAttributeType.KEYWORD)!;
// gRPC status codes (@grpc/grpc-js's `status`, which is not a dependency of ours).
const ALREADY_EXISTS = 6;
const PERMISSION_DENIED = 7;

type Operator = Pick<Connection, 'operatorService'>;
type Log = Pick<Console, 'log' | 'error'>;

/** The names of SEARCH_ATTRIBUTES the namespace lacks; throws on one registered with another type. */
async function missingAttributes(connection: Operator, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const names = Object.keys(SEARCH_ATTRIBUTES);
  const conflicting = names.filter((name) => customAttributes?.[name] != null && customAttributes[name] !== KEYWORD);
  if (conflicting.length)
    throw new Error(`search attributes ${conflicting.join(', ')} exist in namespace ${namespace} but are not Keyword`);
  return names.filter((name) => customAttributes?.[name] == null);
}

const createCommands = (namespace: string, names: string[]) =>
  names.map(
    (name) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`,
  );

/** Adds the missing attributes; "already exists" (another worker starting at the same time) is success. */
export async function ensureSearchAttributes(connection: Operator, namespace: string, log: Log = console) {
  let missing: string[] = Object.keys(SEARCH_ATTRIBUTES);
  try {
    missing = await missingAttributes(connection, namespace);
    if (!missing.length) return;
    const searchAttributes = Object.fromEntries(missing.map((name) => [name, KEYWORD]));
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes }).catch(async (err) => {
      // The same error may mean "with another type": what the namespace holds now decides.
      if (!(isGrpcServiceError(err) && err.code === ALREADY_EXISTS) && !/already exists/i.test(String(err))) throw err;
      if ((await missingAttributes(connection, namespace)).length) throw err;
    });
    log.log(`registered search attributes ${missing.join(', ')} in namespace ${namespace}`);
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === PERMISSION_DENIED)) throw err;
    // Temporal Cloud: attributes are added by an account admin (the Cloud UI, tcld), not by a namespace's workers.
    log.error(
      `Nudge's search attributes could not be registered in namespace ${namespace} (${err.details}); ` +
        `until they exist every workflow start fails. Register them once:\n  ${createCommands(namespace, missing).join('\n  ')}\n` +
        `(on Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI)`,
    );
  }
}
