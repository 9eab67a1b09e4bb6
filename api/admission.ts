// Admission control and the request deadline, in front of the /v1 routes (issue 9): at most `maxInFlight`
// requests run at once (about twice the database pool, so the pool is kept busy but never has a long
// queue of its own), the next `maxQueued` wait up to `queueWaitMs` for a slot, and anything beyond is
// answered 503 with Retry-After at once. A request that has not answered after `requestTimeoutMs` is
// answered 503 by the deadline; what its handler does afterwards is written nowhere (never a second
// answer), and its slot is held until the handler finishes (or one more deadline has passed), so hung
// handlers hold back new work instead of piling more onto a stuck database. A request whose client left
// holds its slot the same way. Streaming routes (the CSV import and report) have no deadline.
import http from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { problemBody } from './error-handler';
import { Problem } from './problem';

export interface AdmissionOptions {
  /** Requests running at once. */
  maxInFlight: number;
  /** Requests waiting for a slot; beyond, 503 at once. */
  maxQueued: number;
  /** Longest wait for a slot before 503. */
  queueWaitMs: number;
  /** A request not answered after this long is answered 503. */
  requestTimeoutMs: number;
}

/** The defaults suit the API's default pool of 10 connections. */
export const DEFAULT_ADMISSION: AdmissionOptions = {
  maxInFlight: 20,
  maxQueued: 40,
  queueWaitMs: 2_000,
  requestTimeoutMs: 15_000,
};

export const OVERLOAD_RETRY_AFTER_SECONDS = 1;
export const DEADLINE_RETRY_AFTER_SECONDS = 5;

/** Routes that stream their body or answer: no deadline (their own size limits bound them). */
const STREAMING_ROUTES: { method: string; path: RegExp }[] = [
  { method: 'GET', path: /^\/v1\/bulk-actions\/[^/]+\/report\.csv$/ },
  { method: 'POST', path: /^\/v1\/contacts\/import$/ },
];

const isStreaming = (req: Request) => {
  const path = (req.baseUrl + req.path).replace(/\/+$/, '');
  return STREAMING_ROUTES.some((r) => r.method === req.method && r.path.test(path));
};

const overloaded = () =>
  new Problem(
    503,
    'overloaded',
    'Too many requests at once',
    `The API is at capacity; retry in ${OVERLOAD_RETRY_AFTER_SECONDS} s.`,
    undefined,
    OVERLOAD_RETRY_AFTER_SECONDS,
  );

const deadlineExceeded = (ms: number) =>
  new Problem(
    503,
    'deadline-exceeded',
    'The request took too long',
    `No answer within ${ms} ms (a dependency is slow or down); retry in ${DEADLINE_RETRY_AFTER_SECONDS} s. With the same Idempotency-Key a retry does nothing twice.`,
    undefined,
    DEADLINE_RETRY_AFTER_SECONDS,
  );

const proto = http.ServerResponse.prototype;

/** Writes the problem with Node's own methods, past any wrapper a later middleware put on the response
 * (the idempotency capture must not record it). */
function writeProblem(req: Request, res: Response, problem: Problem) {
  const body = JSON.stringify(problemBody(problem, req.originalUrl));
  res.statusCode = problem.status;
  proto.setHeader.call(res, 'Content-Type', 'application/problem+json; charset=utf-8');
  proto.setHeader.call(res, 'Content-Length', Buffer.byteLength(body));
  proto.setHeader.call(res, 'Retry-After', String(problem.retryAfterSeconds ?? DEADLINE_RETRY_AFTER_SECONDS));
  proto.end.call(res, body, 'utf8');
}

/**
 * After the deadline answered (or the client left), the handler still runs: the response becomes a sink that
 * swallows what it writes (it sees an unanswered response, so the idempotency capture stores its outcome for a
 * retry), and `onSettled` is called when it ends its answer.
 */
function divert(res: Response, onSettled: () => void) {
  let ended = false;
  let lateStatus: number | undefined;
  Object.defineProperty(res, 'statusCode', {
    configurable: true,
    get: () => lateStatus ?? 503,
    set: (v: number) => void (lateStatus = v),
  });
  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => ended });
  const sink = res as unknown as Record<string, unknown>;
  sink.setHeader = () => res;
  sink.appendHeader = () => res;
  sink.removeHeader = () => undefined;
  sink.writeHead = () => res;
  sink.flushHeaders = () => undefined;
  sink.write = () => true;
  sink.end = () => {
    if (!ended) {
      ended = true;
      onSettled();
    }
    return res;
  };
}

export interface Admission {
  middleware: RequestHandler;
  /** Requests running and waiting now, with the limits. */
  stats(): { inFlight: number; queued: number; maxInFlight: number; maxQueued: number };
}

export function admissionControl(options: Partial<AdmissionOptions> = {}): Admission {
  const o = { ...DEFAULT_ADMISSION, ...options };
  let inFlight = 0;
  const queue: { admit: () => void; timer: NodeJS.Timeout }[] = [];

  /** A slot is free: the first waiter takes it over, or it is returned. */
  function release() {
    const next = queue.shift();
    if (!next) return void inFlight--;
    clearTimeout(next.timer);
    next.admit();
  }

  /** The request holds a slot: run it under its deadline, and free the slot once, when it is done. */
  function run(req: Request, res: Response, next: () => void) {
    let held = true;
    let diverted = false;
    let hold: NodeJS.Timeout | undefined;
    const free = () => {
      if (!held) return;
      held = false;
      clearTimeout(hold);
      release();
    };
    const deadline = isStreaming(req)
      ? undefined
      : setTimeout(() => {
          if (res.headersSent || res.writableEnded) return; // answering already
          diverted = true;
          writeProblem(req, res, deadlineExceeded(o.requestTimeoutMs));
          divert(res, free);
          hold = setTimeout(free, o.requestTimeoutMs);
        }, o.requestTimeoutMs);
    res.once('close', () => {
      clearTimeout(deadline);
      if (diverted) return; // answered by the deadline: the sink frees the slot
      if (res.writableEnded) return free();
      // The client left before the answer, but the handler runs on (on a database connection): it keeps its
      // slot until it ends, as after the deadline, or clients that give up and retry during a stall would
      // pile handlers onto the pool beyond maxInFlight.
      diverted = true;
      divert(res, free);
      hold = setTimeout(free, o.requestTimeoutMs);
    });
    next();
  }

  const middleware: RequestHandler = (req, res, next) => {
    if (inFlight < o.maxInFlight) {
      inFlight++;
      return run(req, res, next);
    }
    if (queue.length >= o.maxQueued || o.queueWaitMs <= 0) return writeProblem(req, res, overloaded());
    const waiter = {
      admit: () => {
        res.removeListener('close', gaveUp);
        run(req, res, next);
      },
      timer: setTimeout(() => {
        leave();
        writeProblem(req, res, overloaded());
      }, o.queueWaitMs),
    };
    const leave = () => {
      const i = queue.indexOf(waiter);
      if (i >= 0) queue.splice(i, 1);
      clearTimeout(waiter.timer);
      res.removeListener('close', gaveUp);
    };
    const gaveUp = () => leave(); // the client left while waiting
    res.once('close', gaveUp);
    queue.push(waiter);
  };

  return {
    middleware,
    stats: () => ({ inFlight, queued: queue.length, maxInFlight: o.maxInFlight, maxQueued: o.maxQueued }),
  };
}
