// Defaults shared by the node, its HTTP API and the client side of `welkin mesh`; kept apart
// so that importing them does not load libp2p.

/** The HTTP API's port when none is given. */
export const DEFAULT_API_PORT = 7878

/** libp2p listeners when none are given: TCP and WebSockets on loopback, free ports. */
export const DEFAULT_LISTEN = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']
