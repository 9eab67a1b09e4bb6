// Request schemas of the acting user's inbox.
import { z } from 'zod';

export const inboxQuery = z
  .object({
    unread: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    before: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict();
