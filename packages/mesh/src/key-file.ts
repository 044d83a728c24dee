// The key file of `welkin mesh keygen` and `welkin mesh put --key`: JSON with the key type,
// its did:key and the private key in hex (the shape `welkin did create` writes), mode 0600.
import { readFile, writeFile } from 'node:fs/promises'
import { bytesToHex, importKeypair, P256Keypair, Secp256k1Keypair } from '@welkin/crypto'
import { MeshConfigError } from './errors.js'

export interface KeyFile {
  type: 'secp256k1' | 'p256'
  did: string
  privateKeyHex: string
}

type MeshKeypair = P256Keypair | Secp256k1Keypair

/** Makes a key and writes it to `path`, which must not exist yet. */
export async function writeKeyFile(path: string, type: KeyFile['type'] = 'secp256k1'): Promise<MeshKeypair> {
  const keypair = type === 'p256' ? P256Keypair.createSync() : Secp256k1Keypair.createSync()
  const file: KeyFile = { type, did: keypair.did(), privateKeyHex: bytesToHex(keypair.export()) }
  try {
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    throw new MeshConfigError(`cannot write key file ${path}: ${(err as Error).message}`)
  }
  return keypair
}

export async function readKeyFile(path: string): Promise<MeshKeypair> {
  let parsed: Partial<KeyFile>
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new MeshConfigError(`cannot read key file ${path}: ${(err as Error).message}`)
  }
  if (parsed?.type !== 'secp256k1' && parsed?.type !== 'p256')
    throw new MeshConfigError(`key file ${path}: type must be "secp256k1" or "p256"`)
  if (typeof parsed.privateKeyHex !== 'string' || !/^[0-9a-f]{64}$/i.test(parsed.privateKeyHex))
    throw new MeshConfigError(`key file ${path}: privateKeyHex must be 64 hex digits`)
  let keypair: MeshKeypair
  try {
    keypair = importKeypair(parsed.type === 'p256' ? 'ES256' : 'ES256K', parsed.privateKeyHex)
  } catch (err) {
    throw new MeshConfigError(`key file ${path}: ${(err as Error).message}`)
  }
  if (parsed.did !== undefined && parsed.did !== keypair.did())
    throw new MeshConfigError(`key file ${path}: did ${parsed.did} does not match its private key`)
  return keypair
}
