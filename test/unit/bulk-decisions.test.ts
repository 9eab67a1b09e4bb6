// The rules of the bulk account steps that need no database (domain/bulk/decisions.ts): skips and their
// reasons, tags to add and remove, missing folders, contact-email toggles, message preview.
import {
  accountSkip,
  deleteSkip,
  emailChanges,
  isNotAllowed,
  messagePreview,
  missingFolders,
  NOT_ALLOWED,
  readOnlySkip,
  sendsInvitation,
  SKIP,
  statusSkip,
  tagChanges,
  type EmailToggles,
} from '../../domain/bulk/decisions';
import type { Actor } from '../../domain/access/access';

const owner: Actor = { id: 'u1', role: 'owner', canViewAllAccounts: false };
const admin: Actor = { id: 'u2', role: 'admin', canViewAllAccounts: false };
const employee: Actor = { id: 'u3', role: 'employee', canViewAllAccounts: false };
const viewAll: Actor = { id: 'u4', role: 'employee', canViewAllAccounts: true };

describe('accountSkip: the checks before every kind', () => {
  test('a missing account is skipped first, whoever acts', () => {
    expect(accountSkip({ accountFound: false, actor: null, onTeam: false })).toBe(
      'no such account in this firm (deleted since, or never one of its accounts)',
    );
    expect(accountSkip({ accountFound: false, actor: owner, onTeam: true })).toBe(SKIP.noAccount);
  });

  test('a removed starting user skips every account', () => {
    expect(accountSkip({ accountFound: true, actor: null, onTeam: true })).toBe(
      'the user who started the action no longer exists',
    );
  });

  test('owner, admin and an employee who sees all accounts may change any account', () => {
    for (const actor of [owner, admin, viewAll])
      expect(accountSkip({ accountFound: true, actor, onTeam: false })).toBeNull();
  });

  test('an employee may change the accounts whose team they are on, no other', () => {
    expect(accountSkip({ accountFound: true, actor: employee, onTeam: true })).toBeNull();
    const reason = accountSkip({ accountFound: true, actor: employee, onTeam: false });
    expect(reason).toBe('not allowed: the user who started the action may not change this account');
    expect(reason!.startsWith(NOT_ALLOWED)).toBe(true);
    expect(isNotAllowed(reason)).toBe(true);
  });
});

test('isNotAllowed: only the not-allowed skip reason', () => {
  expect(isNotAllowed(SKIP.notAllowed)).toBe(true);
  for (const other of [SKIP.archived, SKIP.noAccount, 'tags already as asked', '', null, undefined])
    expect(isNotAllowed(other)).toBe(false);
});

describe('status rules', () => {
  test('archived accounts are read-only', () => {
    expect(readOnlySkip('archived')).toBe('archived accounts are read-only; restore it first');
    expect(readOnlySkip('active')).toBeNull();
  });

  test('archive and restore skip an account already so', () => {
    expect(statusSkip('archived', 'archived')).toBe('already archived');
    expect(statusSkip('active', 'active')).toBe('already active');
    expect(statusSkip('active', 'archived')).toBeNull();
    expect(statusSkip('archived', 'active')).toBeNull();
  });

  test('only archived accounts are deleted', () => {
    expect(deleteSkip('active')).toBe('only archived accounts can be deleted; archive it first');
    expect(deleteSkip('archived')).toBeNull();
  });
});

describe('tagChanges', () => {
  const known = new Set(['a', 'b', 'c', 'd']);

  test('assigns the tags the account lacks and removes the ones it has, in the order asked', () => {
    const asked = [
      { tagId: 'c', action: 'assign' as const },
      { tagId: 'a', action: 'assign' as const },
      { tagId: 'b', action: 'remove' as const },
      { tagId: 'd', action: 'remove' as const },
    ];
    expect(tagChanges(asked, known, new Set(['a', 'b']))).toEqual({ add: ['c'], remove: ['b'] });
    expect(tagChanges(asked, known, new Set())).toEqual({ add: ['c', 'a'], remove: [] });
    expect(tagChanges(asked, known, new Set(['b', 'd']))).toEqual({ add: ['c', 'a'], remove: ['b', 'd'] });
  });

  test('nothing to change when the tags are already as asked', () => {
    expect(
      tagChanges(
        [
          { tagId: 'a', action: 'assign' },
          { tagId: 'b', action: 'remove' },
        ],
        known,
        new Set(['a']),
      ),
    ).toEqual({ add: [], remove: [] });
  });

  test('a tag deleted since the start is left out, for assign and remove alike', () => {
    const names = new Map([['a', 'A']]); // what the context holds: the names of the tags that still exist
    expect(
      tagChanges(
        [
          { tagId: 'gone', action: 'assign' },
          { tagId: 'a', action: 'assign' },
        ],
        names,
        new Set(),
      ),
    ).toEqual({ add: ['a'], remove: [] });
    expect(tagChanges([{ tagId: 'gone', action: 'remove' }], names, new Set(['gone']))).toEqual({
      add: [],
      remove: [],
    });
  });
});

test('missingFolders: the template’s folders the account lacks, in the template’s order', () => {
  const template = ['Tax/2026', 'Payroll', 'Tax/2026/Receipts'];
  expect(missingFolders(template, new Set())).toEqual(template);
  expect(missingFolders(template, new Set(['Payroll', 'Other']))).toEqual(['Tax/2026', 'Tax/2026/Receipts']);
  expect(missingFolders(template, new Set(template))).toEqual([]);
  expect(missingFolders([], new Set(['x']))).toEqual([]);
});

test('messagePreview: up to 200 characters, longer ones cut with an ellipsis', () => {
  expect(messagePreview('short')).toBe('short');
  expect(messagePreview('x'.repeat(200))).toBe('x'.repeat(200));
  expect(messagePreview('x'.repeat(201))).toBe(`${'x'.repeat(200)}…`);
  expect(messagePreview('')).toBe('');
});

describe('emailChanges: what the contact toggles change on one email', () => {
  const email = (over: Partial<EmailToggles> = {}): EmailToggles => ({
    login: 'off',
    notify: false,
    emailSync: false,
    prefMessages: true,
    prefSignatures: true,
    ...over,
  });

  test('login enable: an email that is off becomes pending; pending or active stays', () => {
    expect(emailChanges({ login: 'enable' }, email({ login: 'off' }))).toEqual({ login: 'pending' });
    expect(emailChanges({ login: 'enable' }, email({ login: 'pending' }))).toEqual({});
    expect(emailChanges({ login: 'enable' }, email({ login: 'active' }))).toEqual({});
  });

  test('login disable: anything but off becomes off', () => {
    expect(emailChanges({ login: 'disable' }, email({ login: 'active' }))).toEqual({ login: 'off' });
    expect(emailChanges({ login: 'disable' }, email({ login: 'pending' }))).toEqual({ login: 'off' });
    expect(emailChanges({ login: 'disable' }, email({ login: 'off' }))).toEqual({});
  });

  test('notify and email sync flip only when they differ', () => {
    expect(emailChanges({ notify: 'enable', emailSync: 'enable' }, email())).toEqual({ notify: true, emailSync: true });
    expect(emailChanges({ notify: 'enable', emailSync: 'enable' }, email({ notify: true, emailSync: true }))).toEqual(
      {},
    );
    expect(emailChanges({ notify: 'disable', emailSync: 'disable' }, email({ notify: true, emailSync: true }))).toEqual(
      { notify: false, emailSync: false },
    );
    expect(emailChanges({ notify: 'disable', emailSync: 'disable' }, email())).toEqual({});
  });

  test('preferences are set with notify enable when any of them differs', () => {
    expect(emailChanges({ notify: 'enable', preferences: { messages: false } }, email({ notify: true }))).toEqual({
      preferences: { messages: false },
    });
    expect(
      emailChanges({ notify: 'enable', preferences: { messages: true, signatures: true } }, email({ notify: true })),
    ).toEqual({});
    // Notify switched on and a preference changed: both, whole preferences as asked.
    expect(emailChanges({ notify: 'enable', preferences: { messages: true, signatures: false } }, email())).toEqual({
      notify: true,
      preferences: { messages: true, signatures: false },
    });
  });

  test('preferences are ignored without notify enable', () => {
    expect(emailChanges({ notify: 'disable', preferences: { messages: false } }, email({ notify: true }))).toEqual({
      notify: false,
    });
    expect(emailChanges({ preferences: { messages: false } }, email())).toEqual({});
  });

  test('the changes are listed in a fixed order: login, notify, preferences, emailSync', () => {
    const changes = emailChanges(
      { login: 'enable', notify: 'enable', emailSync: 'enable', preferences: { messages: false } },
      email(),
    );
    expect(Object.keys(changes)).toEqual(['login', 'notify', 'preferences', 'emailSync']);
  });

  test('nothing asked, nothing changes', () => {
    expect(emailChanges({}, email({ login: 'active', notify: true }))).toEqual({});
  });
});

test('sendsInvitation: an email made pending is invited unless invitations are sent later', () => {
  expect(sendsInvitation({ login: 'pending' }, undefined)).toBe(true);
  expect(sendsInvitation({ login: 'pending' }, true)).toBe(true);
  expect(sendsInvitation({ login: 'pending' }, false)).toBe(false);
  expect(sendsInvitation({ login: 'off' }, true)).toBe(false);
  expect(sendsInvitation({ notify: true }, undefined)).toBe(false);
});
