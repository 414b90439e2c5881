import module from 'node:module';

// Imported first by `main.ts`. Node (>= 22.1) keeps V8's compiled code of the modules loaded after this call on disk
// (`os.tmpdir()/node-compile-cache`, or `NODE_COMPILE_CACHE`; `NODE_DISABLE_COMPILE_CACHE=1` turns it off), so the
// next `oauth2 --mock` skips compiling oidc-provider and the flow (about 45 ms of its start, see BENCHMARKS.md).
module.enableCompileCache?.();
