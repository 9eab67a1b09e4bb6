// Email activities retry for as long as an outage lasts: nothing reconciles a workflow that gave up on an email,
// so a capped retry loses it. A permanent refusal is an outcome, not a failure (email-failures.test.ts).
import {
  CLIENT_ACTION_EMAIL,
  DISPATCH_EMAILS,
  DISPATCH_EMAILS_LOCAL,
  INVITATION_STEP,
} from '../../workflows/activity-options';

test.each([
  ['item emails', DISPATCH_EMAILS],
  ['item emails, local', DISPATCH_EMAILS_LOCAL],
  ['invitations', INVITATION_STEP],
  ['client-action emails', CLIENT_ACTION_EMAIL],
])('%s retry without a cap, at least once a minute', (_name, options) => {
  expect(options.retry?.maximumAttempts ?? 0).toBe(0);
  expect(options.retry?.maximumInterval).toBe('1 minute');
});
