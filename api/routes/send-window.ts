// Send windows and pauses of reminders (issue 12): the firm's window (owners and admins change it), and
// pauses of one contact's or one item's reminders until a date.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import type { ItemsService } from '../../domain/items/items';
import { route, idParams } from '../route';
import { itemParams, KIND_BY_PATH } from '../schemas/index';
import { pauseInput, sendWindowInput } from '../schemas/send-window';

export function sendWindowRoutes(domain: DomainServices, items: ItemsService): Router {
  const r = Router();
  const mut = { idempotent: true } as const;

  route(
    r,
    {
      method: 'get',
      path: '/v1/settings/send-window',
      tag: 'Settings',
      summary: 'The firm’s send window (null: reminders go whenever they fall due)',
    },
    async (req) => domain.sendWindow.getSendWindow(req.firmId),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/settings/send-window',
      tag: 'Settings',
      summary:
        'Set the send window: time zone, hours per weekday, closed days; reminders due outside it go at the next opening in the recipient’s zone (owners and admins)',
      body: sendWindowInput,
      ...mut,
    },
    async (req) => domain.sendWindow.putSendWindow(req.firmId, req.actor, req.valid.body),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/settings/send-window',
      tag: 'Settings',
      summary: 'Remove the send window: reminders go whenever they fall due (owners and admins)',
      ...mut,
    },
    async (req) => domain.sendWindow.deleteSendWindow(req.firmId, req.actor),
  );

  // Before the item routes below, whose `:kind` would otherwise meet "contacts".
  route(
    r,
    {
      method: 'get',
      path: '/v1/contacts/:contactId/reminder-pause',
      tag: 'Reminders',
      summary: 'The contact’s running pause, if any',
      params: idParams('contactId'),
    },
    async (req) => domain.pauses.getContactPause(req.firmId, req.actor, req.valid.params.contactId),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/contacts/:contactId/reminder-pause',
      tag: 'Reminders',
      summary: 'Pause a contact’s automatic reminders until a date (a client on holiday)',
      params: idParams('contactId'),
      body: pauseInput,
      ...mut,
    },
    async (req) =>
      domain.pauses.pauseContactReminders(req.firmId, req.actor, req.valid.params.contactId, {
        until: new Date(req.valid.body.until),
      }),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/contacts/:contactId/reminder-pause',
      tag: 'Reminders',
      summary: 'End a contact’s pause now',
      params: idParams('contactId'),
      ...mut,
    },
    async (req) => items.resumeContactReminders(req.firmId, req.actor, req.valid.params.contactId),
  );
  route(
    r,
    {
      method: 'get',
      path: '/v1/:kind/:itemId/reminder-pause',
      tag: 'Reminders',
      summary: 'The item’s running pause, if any',
      params: itemParams,
    },
    async (req) =>
      domain.pauses.getItemPause(req.firmId, req.actor, KIND_BY_PATH[req.valid.params.kind], req.valid.params.itemId),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/:kind/:itemId/reminder-pause',
      tag: 'Reminders',
      summary: 'Pause an item’s automatic reminders until a date; afterwards at most one goes, then the usual interval',
      params: itemParams,
      body: pauseInput,
      ...mut,
    },
    async (req) =>
      domain.pauses.pauseItemReminders(
        req.firmId,
        req.actor,
        KIND_BY_PATH[req.valid.params.kind],
        req.valid.params.itemId,
        { until: new Date(req.valid.body.until) },
      ),
  );
  route(
    r,
    {
      method: 'delete',
      path: '/v1/:kind/:itemId/reminder-pause',
      tag: 'Reminders',
      summary: 'End an item’s pause now',
      params: itemParams,
      ...mut,
    },
    async (req) =>
      items.resumeItemReminders(req.firmId, req.actor, KIND_BY_PATH[req.valid.params.kind], req.valid.params.itemId),
  );

  return r;
}
