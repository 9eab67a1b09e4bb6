// Request schemas of the API key routes.
import { z } from 'zod';
import { text } from './common';

export const newApiKeyBody = z.object({ name: text(100) }).strict();
