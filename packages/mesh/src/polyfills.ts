// Node 20 lacks two things libp2p 3 uses at run time: `Promise.withResolvers` (Node 22) and a
// global `WebSocket` (Node 22), which the websockets transport dials with. Newer Node versions
// have both, and then this module changes nothing. Imported first by the package entry.
import { WebSocket as WsWebSocket } from 'ws'

/**
 * `ws` sockets are EventEmitters: an 'error' with no listener throws and kills the process
 * (it happens when a dial is aborted while connecting). A browser WebSocket never throws for
 * an error event, and libp2p relies on that, so every socket gets a listener that ignores it.
 */
class BrowserLikeWebSocket extends WsWebSocket {
  constructor(...args: ConstructorParameters<typeof WsWebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}

interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const PromiseCtor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> }
if (typeof PromiseCtor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>(): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new Promise<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== 'function') {
  Object.defineProperty(globalThis, 'WebSocket', {
    configurable: true,
    writable: true,
    value: BrowserLikeWebSocket,
  })
}
