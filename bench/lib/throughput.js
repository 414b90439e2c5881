// Token-endpoint throughput: autocannon for single requests, a bounded concurrent fetch loop for full flows.
import autocannon from 'autocannon';
import { BASIC_AUTH, loopFor } from './common.js';
import { fullFlow, refreshParams } from './flow-client.js';

/**
 * Refresh grants with autocannon at `connections`, cycling round-robin through a pool of refresh tokens (each
 * from its own flow, so its own grant). Returns requests/s and the error counts.
 */
export async function cannonRefresh({ tokenUrl, refreshTokens, connections, durationSec, warmupSec }) {
  const bodies = refreshTokens.map((token) => new URLSearchParams(refreshParams(token)).toString());
  let next = 0;
  const request = {
    url: tokenUrl,
    method: 'POST',
    headers: { authorization: BASIC_AUTH, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: bodies[0],
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    connections,
    pipelining: 1,
  };
  if (warmupSec > 0) await autocannon({ ...request, duration: warmupSec });
  const result = await autocannon({ ...request, duration: durationSec });
  const ok = result['2xx'];
  return {
    perSecond: ok / result.duration,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    seconds: result.duration,
  };
}

/** Full authorization-code flows (redirect chain + exchange) with `concurrency` fetch workers. Returns flows/s. */
export async function loopFlows({ endpoints, scope, concurrency, durationMs, warmupFlows }) {
  const task = () => fullFlow(endpoints, { scope });
  if (warmupFlows > 0) await loopFor({ concurrency: Math.min(concurrency, 8), durationMs: 10_000, maxOps: warmupFlows, task });
  return loopFor({ concurrency, durationMs, task });
}
