// The firm reminder policy (issue 12): defaults per item kind, changed with what happens to the running
// reminders (none, preview, running), and the progress and report of a change applied to them.
import { Router } from 'express';
import type { ReminderPolicyService } from '../../domain/reminder-policy/policy';
import { idParams, route } from '../route';
import { applicationItemsQuery, policyKindParams, reminderPolicyInput } from '../schemas/reminder-policy';

export function reminderPolicyRoutes(policy: ReminderPolicyService): Router {
  const r = Router();
  const appId = idParams('applicationId');

  route(
    r,
    {
      method: 'get',
      path: '/v1/reminder-policy',
      operationId: 'listReminderPolicies',
      tag: 'Settings',
      summary: 'The firm’s reminder defaults per item kind (source "default": Nudge’s, the firm has set none)',
    },
    async (req) => policy.list(req.firmId),
  );
  // Before `:itemKind`, so "applications" is not taken for a kind.
  route(
    r,
    {
      method: 'get',
      path: '/v1/reminder-policy/applications/:applicationId',
      operationId: 'getReminderPolicyApplication',
      tag: 'Settings',
      summary:
        'A policy change applied to running reminders: status (running, completed, superseded, cancelled: its workflow was cancelled in the Temporal UI), progress per outcome, and the report once ended (owners and admins)',
      params: appId,
    },
    async (req) => policy.application(req.firmId, req.actor, req.valid.params.applicationId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/reminder-policy/applications/:applicationId/items',
      operationId: 'listReminderPolicyApplicationItems',
      tag: 'Settings',
      summary:
        'Each running reminder the change found and what it did (updated, unchanged, own_settings, gone, superseded, cancelled, pending), in order (cursor: nextCursor → after; owners and admins)',
      params: appId,
      query: applicationItemsQuery,
    },
    async (req) => policy.applicationItems(req.firmId, req.actor, req.valid.params.applicationId, req.valid.query),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/reminder-policy/:itemKind',
      operationId: 'getReminderPolicy',
      tag: 'Settings',
      summary: 'The reminder defaults of one item kind (chat, signature, approval)',
      params: policyKindParams,
    },
    async (req) => policy.get(req.firmId, req.valid.params.itemKind),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/reminder-policy/:itemKind',
      operationId: 'setReminderPolicy',
      tag: 'Settings',
      summary:
        'Set the reminder defaults of an item kind (owners and admins). apply: none (new items only), preview (count the running reminders it would change; nothing written), running (also apply it to every running reminder whose settings come from the policy, through the workflow reminder-policy-<applicationId>; items with settings of their own are left alone)',
      params: policyKindParams,
      body: reminderPolicyInput,
      idempotent: true,
    },
    async (req) => policy.change(req.firmId, req.actor, req.valid.params.itemKind, req.valid.body),
  );
  return r;
}
