/** Small helpers shared by the webviews. */
import { randomBytes } from 'node:crypto';

/** A fresh nonce per HTML document, so only our own script tags run (the CSP names it). */
export function nonce(): string {
  return randomBytes(18).toString('base64url');
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
