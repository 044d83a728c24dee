// The one place this package hashes. @welkin/crypto picks node:crypto on servers and a pure-JS
// SHA-256 in browsers, so this package stays portable.
export { sha256 } from '@welkin/crypto'
