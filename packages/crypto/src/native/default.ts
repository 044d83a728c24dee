// Target of the `#backend` import under Node (package.json "imports").
export { nativeBackend as defaultBackend } from './backend.js'
