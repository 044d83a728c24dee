// @welkin/data: the atproto data model. Strict DAG-CBOR encode/decode, blessed CIDs (v1,
// dag-cbor/raw, sha2-256), CAR v1 read/write (streaming and in-memory), atproto-JSON, blob refs.
// It sits on the relay's hot path, so the codecs are written for speed as well as strictness;
// everything it throws on bad input is a DataError.

export { base32Decode, base32Encode } from './base32.js'
export { base64Decode, base64Encode } from './base64.js'
export type { BlobRef, LegacyBlobRef } from './blob.js'
export { blobRef, isBlobRef, isLegacyBlobRef } from './blob.js'
export type { Block } from './block-map.js'
export { BlockMap } from './block-map.js'
export type { CarContents } from './car-read.js'
export { readCarSync } from './car-read.js'
export type { CarSource, CarStream } from './car-stream.js'
export { readCar, readCarStream } from './car-stream.js'
export { encodeCar, encodeCarHeader, writeCar } from './car-write.js'
export { decodeCbor, decodeCborMulti } from './cbor-decode.js'
export { encodeCbor } from './cbor-encode.js'
export { CID, CID_BYTES, cidView, DAG_CBOR, RAW, SHA2_256 } from './cid.js'
export { cidForCbor, cidForData, cidForRaw, dataToBlock, verifyBlock } from './cid-for.js'
export type { DataObject, DataValue } from './data-value.js'
export { dataEquals, isDataObject } from './data-value.js'
export { digestEquals, sha256Latin1 } from './digest.js'
export {
  CarError,
  CborDecodeError,
  CborEncodeError,
  CidError,
  DataError,
  InvalidDataError,
} from './errors.js'
export { dataToJson, jsonToData, jsonToDataObject, parseJsonData, stringifyData } from './json.js'
export type { CarLimits, CborLimits } from './limits.js'
export { DEFAULT_CAR_LIMITS, DEFAULT_CBOR_LIMITS, SYNC_SLICE_LIMITS } from './limits.js'
export type { DataPath } from './path.js'
export { ensureValidData, isValidData } from './validate.js'
export { decodeVarint, encodeVarint, varintLength } from './varint.js'
