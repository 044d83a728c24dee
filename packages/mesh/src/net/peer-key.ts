// The node's libp2p identity: an Ed25519 key kept in the data directory (libp2p's protobuf
// key encoding, mode 0600), so a restarted node keeps its peer id and its peers' view of it.
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { privateKeyFromProtobuf, privateKeyFromRaw, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { MeshConfigError } from '../errors.js'

/** A fresh Ed25519 key, made synchronously with node:crypto. */
export function newPeerKey(): PrivateKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url')
  return privateKeyFromRaw(new Uint8Array(Buffer.concat([seed, pub])))
}

/** Reads the key at `file`, or creates it there. */
export function loadOrCreatePeerKey(file: string): PrivateKey {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new MeshConfigError(`cannot read peer key ${file}: ${(err as Error).message}`)
    const key = newPeerKey()
    mkdirSync(dirname(file), { recursive: true })
    // 'wx': never overwrite a key another process wrote meanwhile.
    writeFileSync(file, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    return key
  }
  try {
    return privateKeyFromProtobuf(new Uint8Array(bytes))
  } catch (err) {
    throw new MeshConfigError(`peer key ${file} is not a libp2p private key: ${(err as Error).message}`)
  }
}
