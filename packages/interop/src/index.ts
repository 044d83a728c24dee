// @welkin/interop: runs the official AT Protocol implementation (PDS and PLC directory from
// npm) on loopback so tests can prove Welkin interoperates with it, plus small helpers to fill
// official repos through the official client and an independent CAR reader to check them.
// Test infrastructure only: nothing in the Welkin services imports this package.

export * from './accounts.js'
export { base58Decode, base58Encode } from './base58.js'
export { type ScannedBlock, type ScannedCar, scanCar } from './car-scan.js'
export { cidBytesToString, cidStringToBytes } from './cid-string.js'
export { CarScanError, InteropError, OfficialCallError, ServiceStartError } from './errors.js'
export { type OfficialPds, type OfficialPdsOptions, startOfficialPds } from './official-pds.js'
export { type OfficialPlc, type OfficialPlcOptions, startOfficialPlc } from './official-plc.js'
export {
  makeOfficialRepoCar,
  type OfficialRepoCar,
  type OfficialRepoRecord,
  SAMPLE_COLLECTION,
} from './official-repo-car.js'
export { fetchDidDocument, fetchSigningKey, signingKeyFromDidDocument } from './plc-signing-key.js'
export { solidPng } from './tiny-png.js'
