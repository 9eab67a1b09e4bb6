// Request schemas of accounts (list, profile, overview, team), tags and custom field definitions.
import { z } from 'zod';
import { OVERVIEW_SECTIONS } from '../../domain/accounts/profile';
import { accountSearch, id, text } from './common';

const accountType = z.enum(['individual', 'company', 'other']);
const userId = () => id('firm user id');
const tagRefs = z.array(text(100)).max(100);
const teamIds = z
  .array(userId())
  .max(100)
  .refine((ids) => new Set(ids).size === ids.length, 'each user may appear once');
const customFieldValues = z.record(z.string().max(100), z.unknown());

export const newAccountBody = z
  .object({
    name: text(200),
    type: accountType,
    photoUrl: z.url({ message: 'must be a URL' }).max(2000).optional(),
    customFields: customFieldValues.optional(),
    tags: tagRefs.optional().describe('Tag ids or names of the firm'),
    team: teamIds.optional().describe('Firm user ids'),
  })
  .strict();

export const accountPatchBody = z
  .object({
    name: text(200).optional(),
    type: accountType.optional(),
    photoUrl: z.url({ message: 'must be a URL' }).max(2000).nullable().optional(),
    customFields: customFieldValues.optional().describe('Merged into the stored values; null clears a field'),
    tags: tagRefs.optional().describe('Replaces the tags: ids or names'),
    team: teamIds.optional().describe('Replaces the team; changes are recorded in the team history'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, {
    message: 'name at least one of name, type, photoUrl, customFields, tags, team',
  });

export const accountListQuery = z
  .object({
    search: accountSearch().optional(),
    tagId: id('tag id').optional(),
    type: accountType.optional(),
    status: z.enum(['active', 'archived']).optional(),
    teamMemberId: userId().optional(),
    loginStatus: z.enum(['active', 'offline']).optional(),
    sort: z.enum(['name', 'createdAt', 'updatedAt']).default('name'),
    order: z.enum(['asc', 'desc']).default('asc'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();

/** Path of one overview section's "view all" page. */
export const sectionParams = z.object({ accountId: z.uuid(), section: z.enum(OVERVIEW_SECTIONS) });
export const sectionQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(100).optional() })
  .strict();
export const teamMemberBody = z.object({ firmUserId: userId() }).strict();

const tagColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1e88e5');
export const newTagBody = z.object({ name: text(100), color: tagColor.optional() }).strict();
export const tagPatchBody = z
  .object({ name: text(100).optional(), color: tagColor.optional() })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of name, color' });

const fieldEntity = z.enum(['account', 'contact']);
export const newCustomFieldBody = z
  .object({
    entity: fieldEntity,
    key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'letters, digits and _, starting with a letter (at most 63)'),
    label: text(200),
    type: z.enum(['text', 'number', 'date', 'email', 'select']),
    options: z.array(text(200)).max(200).optional(),
    required: z.boolean().optional(),
  })
  .strict();
export const customFieldPatchBody = z
  .object({
    label: text(200).optional(),
    options: z
      .array(text(200))
      .max(200)
      .optional()
      .describe('Replaces the options of a select field; an option still held by a record cannot be dropped'),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'name at least one of label, options' });
export const customFieldListQuery = z.object({ entity: fieldEntity.optional() }).strict();
