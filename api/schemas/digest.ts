// The firm's digest setting (issue 12): on or off, and the collection window in minutes.
import { z } from 'zod';
import { DIGEST_LIMITS } from '../../domain/digest/settings';

export const digestSettingInput = z
  .object({
    enabled: z.boolean(),
    windowMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(DIGEST_LIMITS.minWindowMinutes, `must be at least ${DIGEST_LIMITS.minWindowMinutes}`)
      .max(DIGEST_LIMITS.maxWindowMinutes, `must be at most ${DIGEST_LIMITS.maxWindowMinutes} (a day)`),
  })
  .strict();
