/**
 * The one page layout shared by the CLI's callback pages and the mock provider's login and consent pages:
 * self-contained HTML (inline CSS, no script, no external asset), the same look from login to "done".
 */
import type { ServerResponse } from 'node:http';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/**
 * Headers for these pages: nothing loads, nothing leaks through Referer (these pages are reached with a code in
 * their URL), not framed. No `form-action`: Chromium applies it to the redirects that follow a submit, which end
 * at the client's redirect_uri.
 */
export const HTML_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#222}' +
  'h1{font-size:1.4rem}label{display:block;margin:.75rem 0 .25rem}select,input{width:100%;padding:.4rem;font:inherit;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit;cursor:pointer}.error{color:#a00;border:1px solid #a00;padding:.5rem}' +
  'code{background:#eee;padding:0 .2em}.actions{display:flex;gap:.75rem}.actions form{margin:0}';

/** Extras for a page that needs more than the shared look (the mock provider's inspector). */
export interface HtmlPageExtras {
  /** CSS appended after the shared style (so it can override it). */
  style?: string;
  /** An inline script, allowed by its CSP nonce. */
  script?: { nonce: string; code: string };
}

/**
 * A complete page. `bodyHtml` must already be escaped; `title` is escaped here.
 *
 * @example
 * renderHtmlPage('Authorization complete', '<p>You can close this tab.</p>')
 */
export function renderHtmlPage(title: string, bodyHtml: string, extras: HtmlPageExtras = {}): string {
  const script = extras.script === undefined ? '' : `<script nonce="${escapeHtml(extras.script.nonce)}">${extras.script.code}</script>\n`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}${extras.style ?? ''}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
${script}</body>
</html>
`;
}

/**
 * Sends a small self-contained HTML page (no external assets) and ends the response.
 * `bodyHtml` must already be escaped; `title` is escaped here.
 */
export function sendHtmlPage(res: ServerResponse, status: number, title: string, bodyHtml: string): void {
  const html = renderHtmlPage(title, bodyHtml);
  res.writeHead(status, { ...HTML_PAGE_HEADERS, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
