// A heartbeat is one write on the Temporal server. Its heartbeat timer already runs from the activity's
// start, so an activity that finishes well within the heartbeat timeout needs none, and a long one needs
// one now and then, not one per step.
import { Context } from '@temporalio/activity';

/**
 * The current activity's heartbeat, passed on only once half its heartbeat timeout has gone by since the
 * attempt started or the last one passed on. A worker that dies is still noticed within the timeout.
 */
export function heartbeatWhenDue(): () => void {
  const ctx = Context.current();
  const timeoutMs = ctx.info.heartbeatTimeoutMs;
  if (!timeoutMs) return () => undefined;
  let last = Date.now();
  return () => {
    if (Date.now() - last < timeoutMs / 2) return;
    last = Date.now();
    ctx.heartbeat();
  };
}
