// The firm's digest setting (issue 12): everyone reads it, owners and admins change it.
import { Router } from 'express';
import type { DomainServices } from '../../domain/services';
import { route } from '../route';
import { digestSettingInput } from '../schemas/digest';

export function digestRoutes(domain: DomainServices): Router {
  const r = Router();
  route(
    r,
    {
      method: 'get',
      path: '/v1/settings/digest',
      tag: 'Settings',
      summary: 'The firm’s digest setting (off unless set)',
    },
    async (req) => domain.digest.getDigestSetting(req.firmId),
  );
  route(
    r,
    {
      method: 'put',
      path: '/v1/settings/digest',
      tag: 'Settings',
      summary:
        'Turn digests on or off: automatic reminders for one address within the window go as one email listing each item (owners and admins)',
      body: digestSettingInput,
      idempotent: true,
    },
    async (req) => domain.digest.putDigestSetting(req.firmId, req.actor, req.valid.body),
  );
  return r;
}
