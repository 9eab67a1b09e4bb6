// Renders a digest (issue 12): one email listing each item still waiting for the client, with its portal
// link, in the recipient's language (the catalog's `digest` kind, or the firm's own text for it). Pure.
import type { ItemKind } from '../../shared/reminder-types';
import { DEFAULT_LANGUAGE, type EmailMessages, type Language } from '../email/messages';
import { formatDigestItems, renderEmailKind, type RenderedEmail } from '../email/render';
import { withActivationBanner, withUnsubscribeFooter } from '../email/item-email';

export interface DigestItem {
  itemKind: ItemKind;
  itemTitle: string;
  accountId: string;
  accountName: string;
  /** When the item was first sent to the client. */
  sentOn: Date;
  link: string;
}

export interface DigestEmailInput {
  firmName: string;
  items: DigestItem[];
  language?: Language;
  /** The firm's own texts for digests and for the activation banner, in this language. */
  override?: EmailMessages | null;
  bannerOverride?: EmailMessages | null;
  /** Set when the recipient's portal login is still pending activation. */
  activationLink?: string;
  unsubscribeUrl?: string;
  timeZone?: string;
}

export function renderDigestEmail(input: DigestEmailInput): RenderedEmail {
  const language = input.language ?? DEFAULT_LANGUAGE;
  const items = formatDigestItems(
    language,
    input.items.map((i) => ({
      itemKind: i.itemKind,
      itemTitle: i.itemTitle,
      accountName: i.accountName,
      sentOn: i.sentOn,
      link: i.link,
    })),
    input.timeZone,
  );
  const values = {
    firmName: input.firmName,
    itemCount: input.items.length,
    accountCount: new Set(input.items.map((i) => i.accountId)).size,
    items,
  };
  const email = renderEmailKind('digest', language, values, {
    timeZone: input.timeZone,
    links: input.items.map((i) => i.link),
    override: input.override,
  });
  return withUnsubscribeFooter(withActivationBanner(email, language, input), language, input.unsubscribeUrl);
}
