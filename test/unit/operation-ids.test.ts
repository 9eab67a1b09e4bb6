// The derived operationIds (api/operation-ids.ts): the rules each route's name follows, and a route's own
// name winning over the derived one.
import { deriveOperationId, operationIdOf } from '../../api/operation-ids';

test.each([
  ['get', '/v1/accounts', 'listAccounts'],
  ['post', '/v1/accounts', 'createAccount'],
  ['get', '/v1/accounts/:accountId', 'getAccount'],
  ['patch', '/v1/accounts/:accountId', 'updateAccount'],
  ['delete', '/v1/tags/:tagId', 'deleteTag'],
  ['post', '/v1/accounts/:accountId/chat-threads', 'createAccountChatThread'],
  ['post', '/v1/bulk-actions/:bulkActionId/cancel', 'cancelBulkAction'],
  ['post', '/v1/bulk-actions/:bulkActionId/retry-failed', 'retryFailedBulkAction'],
  ['post', '/v1/contacts/import', 'importContacts'],
  ['get', '/v1/contacts/import-template', 'getContactImportTemplate'],
  ['post', '/v1/contact-emails/:emailId/invitation/resend', 'resendContactEmailInvitation'],
  ['get', '/v1/bulk-actions/:bulkActionId/report.csv', 'getBulkActionReportCsv'],
  ['put', '/v1/:kind/:itemId/reminder-settings', 'setItemReminderSettings'],
  ['get', '/v1/:kind/:itemId/reminders', 'listItemReminders'],
  ['put', '/v1/contacts/:contactId/gdpr-status', 'setContactGdprStatus'],
  ['get', '/v1/gdpr-statuses', 'listGdprStatuses'],
  ['get', '/v1/settings/send-window', 'getSettingsSendWindow'],
] as const)('%s %s → %s', (method, path, id) => {
  expect(deriveOperationId({ method, path })).toBe(id);
});

test("a route's own operationId wins", () => {
  const spec = { method: 'post', path: '/v1/accounts/:accountId/team', summary: '', tag: '' } as const;
  expect(operationIdOf(spec)).toBe('teamAccount');
  expect(operationIdOf({ ...spec, operationId: 'addAccountTeamMember' })).toBe('addAccountTeamMember');
});
