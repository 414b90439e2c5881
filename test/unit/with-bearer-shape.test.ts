/** Issue 15: `withBearer`'s handler gets one shape on every adapter, `({ request, token, user })`. */
import { describe, expectTypeOf, it } from 'vitest';
import type { BearerContext } from '../../src/mock-provider/index.js';
import type { withBearer as mswWithBearer } from '../../src/msw/index.js';
import type { BearerReplyHandler } from '../../src/nock/index.js';
import type { BearerRouteHandler } from '../../src/undici/index.js';

type Info = { request: Request } & BearerContext;

describe('withBearer handler shape', () => {
  it('is ({ request, token, user }) on nock, undici and msw', () => {
    expectTypeOf<Parameters<BearerReplyHandler>[0]>().toEqualTypeOf<Info>();
    expectTypeOf<Parameters<BearerRouteHandler>[0]>().toEqualTypeOf<Info>();
    type MswInfo = Parameters<Parameters<typeof mswWithBearer>[1]>[0];
    expectTypeOf<MswInfo>().toExtend<Info>();
  });
});
