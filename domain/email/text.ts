// Small text helpers every email and template shares: HTML escaping, paragraphs, {{placeholders}}.

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);

/** Plain text as one HTML paragraph, line breaks kept. */
export const paragraphs = (s: string) => `<p>${escapeHtml(s).replace(/\n/g, '<br>')}</p>`;

/** Replaces {{name}} placeholders by their values; unknown placeholders are left as written. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole,
  );
}
