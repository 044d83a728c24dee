// Target of the `#backend` import outside Node (package.json "imports").
export { pureBackend as defaultBackend } from './backend.js'
