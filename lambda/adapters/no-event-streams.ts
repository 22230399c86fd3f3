/**
 * Stands in for `@smithy/core/event-streams` in the functions' bundles (an esbuild alias, see
 * lib/function-bundling.ts). The SDK's HTTP protocols load it with a dynamic `import()` for an
 * operation that streams events, and no operation the functions call does (DynamoDB has none).
 * That one dynamic import made esbuild wrap some 160 SDK modules in lazy initializers that keep
 * every export: 19 KB more in the bundle, and more to compile and run at every cold start.
 */
function notBundled(): never {
  throw new Error('@smithy/core/event-streams is not bundled: no operation of this function streams events');
}

export class EventStreamSerde {
  constructor() {
    notBundled();
  }
}

export const eventStreamSerdeProvider = (): never => notBundled();
