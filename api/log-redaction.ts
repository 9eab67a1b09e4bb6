// What the API's logs must never show (issue 9): the Authorization header (the firm's API key) and client
// email addresses. Errors are the risk: a failed insert's error (a unique violation on an address, a
// driver error's `detail: Key (address)=(…) already exists`) carries the values it was given. The err
// serializer keeps an error's name, code and stack but masks every email-like string in it, and log
// messages are masked the same way.
import pino, { type LoggerOptions } from 'pino';

const EMAIL = /[^\s@"`<>()[\]{},;:=]+@[^\s@"'`<>()[\]{},;:=]+\.[^\s@"'`<>()[\]{},;:=.]+/g;

/** The string with every email-like part replaced by `[email]`. */
export const maskEmails = (s: string): string => s.replace(EMAIL, '[email]');

/** A copy of a serialized value with every string masked (depth-limited, cycles left out). */
export function maskDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskEmails(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1, seen));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1, seen)]));
}

/** The API logger's options: the Authorization header redacted, email addresses masked in errors and messages. */
export function apiLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization'],
      censor: '[redacted]',
    },
    serializers: { err: (err: Error) => maskDeep(pino.stdSerializers.err(err)) },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a: unknown) => (typeof a === 'string' ? maskEmails(a) : a));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
}
