// `@welkin/mesh/client`: what a program needs to talk to a running node's HTTP API (the client,
// key files, errors, defaults) without loading libp2p, which takes seconds to import. The
// `welkin mesh put|get|keygen` commands use this entry; running a node needs the main one.
export { MeshApiClient, type MeshApiClientOptions } from './client.js'
export { DEFAULT_API_PORT, DEFAULT_LISTEN } from './defaults.js'
export { MeshApiError, MeshConfigError, MeshError } from './errors.js'
export { type KeyFile, readKeyFile, writeKeyFile } from './key-file.js'
