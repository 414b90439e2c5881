// The floor: a bare node:http server answering a static token JSON, and an authorize endpoint that redirects
// straight back with a static code. No OAuth at all — what the wire and the HTTP stack cost.
import { createServer } from 'node:http';

const TOKEN_BODY = JSON.stringify({
  access_token: 'floor-access-token',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'floor-refresh-token',
  scope: 'openid offline_access read write',
});

export async function start() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/authorize') {
      const target = new URL(url.searchParams.get('redirect_uri'));
      target.searchParams.set('code', 'floor-code');
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: target.href, 'content-length': 0 });
      res.end();
      return;
    }
    // Drain the body as a real token endpoint must before it answers.
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(TOKEN_BODY) });
      res.end(TOKEN_BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    info: { name: 'floor', authorizationUrl: `${base}/authorize`, tokenUrl: `${base}/token` },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
