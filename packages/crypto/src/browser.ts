// @welkin/crypto for browsers and other non-Node runtimes: the same API as index.ts on the
// pure-JS backend (@noble/curves), with no node:* modules or native code anywhere below it.
export * from './exports.js'
export { pureBackend } from './pure/backend.js'
