import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequestSeen {
  url: string;
  headers: IncomingHttpHeaders;
  /** The form (or JSON) body, parsed. */
  fields: Record<string, string>;
}

export interface FakeAnswer {
  status?: number;
  /** A JSON body; a string is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A token endpoint on 127.0.0.1 (port 0) that records every request and answers what `answer` returns: enough to
 * drive the CLI's grants without a network or the mock provider.
 */
export async function startFakeTokenServer(answer: (request: TokenRequestSeen) => FakeAnswer | Promise<FakeAnswer>) {
  const requests: TokenRequestSeen[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const fields: Record<string, string> = String(req.headers['content-type']).includes('json')
      ? (JSON.parse(text) as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(text));
    const seen = { url: req.url ?? '', headers: req.headers, fields };
    requests.push(seen);
    const { status = 200, body = {}, headers = {} } = await answer(seen);
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    tokenUrl: `${origin}/oauth/token`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type FakeTokenServer = Awaited<ReturnType<typeof startFakeTokenServer>>;
