import { afterEach, describe, expect, it } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { MAX_REQUEST_BODY_BYTES } from '../../src/mock-provider/transport/request-body.js';
import { basic, providerFor, TRANSPORTS } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close();
});

const TOO_LARGE = { error: 'invalid_request', error_description: 'request body larger than 1 MiB' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('mock-client', 'mock-secret') };

/** A form body of `size` bytes. */
function formOf(size: number): string {
  const prefix = 'grant_type=client_credentials&padding=';
  return prefix + 'a'.repeat(size - prefix.length);
}

/** A chunked body (no Content-Length) of `total` bytes in 64 KiB chunks; `pulled()` says how much was read. */
function streamOf(total: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode('a'.repeat(64 * 1024));
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => sent };
}

describe.each(TRANSPORTS)('request body limit over %s', (transport) => {
  it('answers 413 invalid_request to a body one byte over 1 MiB', async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const response = await fetch(provider.tokenUrl, { method: 'POST', headers: FORM, body: formOf(MAX_REQUEST_BODY_BYTES + 1) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(TOO_LARGE);
  });

  it('reads a body of exactly 1 MiB (the engine answers it)', async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const response = await fetch(provider.tokenUrl, { method: 'POST', headers: FORM, body: formOf(MAX_REQUEST_BODY_BYTES) });
    expect(response.status).not.toBe(413);
  });

  it('answers 413 to a chunked body without Content-Length once it passes 1 MiB', async () => {
    const { provider, fetch } = await providerFor(transport);
    open.push(provider);
    const { body } = streamOf(2 * MAX_REQUEST_BODY_BYTES);
    const response = await fetch(provider.tokenUrl, { method: 'POST', headers: FORM, body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual(TOO_LARGE);
  });
});

describe('request body limit in-process', () => {
  it('stops reading a huge body at the cap instead of buffering it', async () => {
    const { provider, fetch } = await providerFor('in-process');
    open.push(provider);
    const { body, pulled } = streamOf(64 * MAX_REQUEST_BODY_BYTES);
    const response = await fetch(provider.tokenUrl, { method: 'POST', headers: FORM, body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(pulled()).toBeLessThan(2 * MAX_REQUEST_BODY_BYTES);
  });
});
