// @welkin/lexicon: lexicon schema documents (lexicon.md) and validation against them — records
// before they enter a repository, XRPC parameters, bodies and event-stream messages — plus the
// official com.atproto / app.bsky / chat.bsky / tools.ozone lexicons, loaded on demand.

export { parseLexiconDoc } from './doc/parse-doc.js'
export {
  LexiconDefTypeError,
  LexiconDocError,
  LexiconError,
  LexiconNotFoundError,
  ValidationError,
} from './errors.js'
export { Lexicons, type LexiconsOptions, type ValidationResult, type XrpcMethodInfo } from './lexicons.js'
export { isValidMimePattern, mimeMatches } from './mime.js'
export { OFFICIAL_NAMESPACES, officialLexiconDocs, officialLexicons } from './official.js'
export * from './types.js'
export type { RawXrpcParams, XrpcParams, XrpcParamValue } from './validate/params.js'
export { countGraphemes, utf8Length } from './validate/text-length.js'
