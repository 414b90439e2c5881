import type { ServerResponse } from 'node:http';
import { HTML_PAGE_HEADERS, renderHtmlPage } from '../html-page.js';

export { escapeHtml } from '../html-page.js';

/**
 * Sends a small self-contained HTML page (no external assets) and ends the response.
 * `bodyHtml` must already be escaped; `title` is escaped here.
 */
export function sendHtmlPage(res: ServerResponse, status: number, title: string, bodyHtml: string): void {
  const html = renderHtmlPage(title, bodyHtml);
  res.writeHead(status, { ...HTML_PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
