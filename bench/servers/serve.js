// Child-process entry: `node bench/servers/serve.js <kind> [json options]`. Starts one server under test on
// 127.0.0.1, reports its endpoints over IPC, and exits on 'close', on parent disconnect, or after a hard cap.
const HARD_CAP_MS = 20 * 60_000;

const [kind, rawOptions = '{}'] = process.argv.slice(2);
const modules = { ours: './ours.js', 'bare-oidc': './bare-oidc.js', peer: './peer.js', floor: './floor.js' };
if (!modules[kind]) {
  console.error(`unknown server kind ${kind}`);
  process.exit(2);
}
setTimeout(() => process.exit(3), HARD_CAP_MS).unref();
process.on('disconnect', () => process.exit(0));

try {
  const { start } = await import(modules[kind]);
  const server = await start(JSON.parse(rawOptions));
  process.on('message', async (message) => {
    if (message === 'close') {
      await server.close().catch(() => {});
      process.exit(0);
    }
  });
  process.send({ type: 'ready', info: server.info });
} catch (error) {
  process.send({ type: 'error', error: String(error?.stack ?? error) });
  process.exit(1);
}
