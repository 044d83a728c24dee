// The official did:plc directory (@did-plc/server, in-memory database) on a free loopback
// port: the reference Welkin's own directory is checked against, and the directory the
// official PDS registers its accounts in.
import { fileURLToPath } from 'node:url'
import { startChildService } from './child-service.js'
import { waitForHealth } from './wait-for-health.js'

export interface OfficialPlcOptions {
  /** Loopback port to listen on; a free one when omitted. */
  port?: number
  /** Forward the directory's output to stderr. */
  log?: boolean
}

export interface OfficialPlc {
  /** Base URL, e.g. http://localhost:41234 (GET `${url}/${did}` resolves a DID). */
  url: string
  port: number
  close(): Promise<void>
}

const script = fileURLToPath(new URL('./child/plc.mjs', import.meta.url))

export async function startOfficialPlc(opts: OfficialPlcOptions = {}): Promise<OfficialPlc> {
  const name = 'official PLC directory'
  const env = { PLC_PORT: String(opts.port ?? 0) }
  const child = await startChildService({ name, script, env, log: opts.log })
  const url = `http://localhost:${child.port}`
  try {
    await waitForHealth(name, `${url}/_health`)
  } catch (err) {
    await child.close()
    throw err
  }
  return { url, port: child.port, close: child.close }
}
