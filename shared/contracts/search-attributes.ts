// Custom search attributes that make every workflow findable by firm, account and item in the Temporal UI.
// The dev server registers them at start (scripts/temporal-dev.ts), docker-compose too, and the worker adds any
// missing at start (worker/search-attributes.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FIRM_ID = defineSearchAttributeKey('NudgeFirmId', SearchAttributeType.KEYWORD);
export const ACCOUNT_ID = defineSearchAttributeKey('NudgeAccountId', SearchAttributeType.KEYWORD);
export const ITEM_KIND = defineSearchAttributeKey('NudgeItemKind', SearchAttributeType.KEYWORD);
export const ITEM_ID = defineSearchAttributeKey('NudgeItemId', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('NudgeStatus', SearchAttributeType.KEYWORD);
export const STARTED_BY = defineSearchAttributeKey('NudgeStartedBy', SearchAttributeType.KEYWORD);

/** Name → type, as `temporal server start-dev --search-attribute` and `operator search-attribute create` take them. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword'> = {
  NudgeFirmId: 'Keyword',
  NudgeAccountId: 'Keyword',
  NudgeItemKind: 'Keyword',
  NudgeItemId: 'Keyword',
  NudgeStatus: 'Keyword',
  NudgeStartedBy: 'Keyword',
};

export const ALL_SEARCH_ATTRIBUTE_KEYS = [FIRM_ID, ACCOUNT_ID, ITEM_KIND, ITEM_ID, STATUS, STARTED_BY];
