/**
 * `oauth2-testkit/undici`: serve a mock provider to Node's global `fetch` in-process, at undici's dispatcher (no
 * socket emulation), and guard the user's own API routes with the provider's bearer check. Thin adapter over
 * `src/mock-provider`; nothing is installed on import. Supports the undici Node 22 bundles (6.x).
 */
export { interceptMockProvider, type InterceptOptions, type UndiciInterception, type UnhandledRequestStrategy } from './intercept.js';
export { withBearer, type BearerRouteHandler, type RouteHandler } from './with-bearer.js';
export type { DispatchHandler, DispatchOptions, Dispatcher } from './dispatch-types.js';
export type { BearerContext, WithBearerOptions } from '../mock-provider/resource/bearer-context.js';
