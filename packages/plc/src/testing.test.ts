// The PostgreSQL availability check the backend suites rely on: on CI an unreachable server must
// fail the run, not turn the suites into skips.
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { postgresAvailable } from './testing.js'

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('postgresAvailable', () => {
  it('skips (false) when not required, and fails when required, for a server that is down', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`
    expect(await postgresAvailable({ url, required: false })).toBe(false)
    await expect(postgresAvailable({ url, required: true })).rejects.toThrow(/required.*not reachable/)
  })

  it('requires the server by default exactly when CI is set', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`
    const saved = process.env.CI
    try {
      process.env.CI = 'true'
      await expect(postgresAvailable({ url })).rejects.toThrow(/CI is set/)
      delete process.env.CI
      expect(await postgresAvailable({ url })).toBe(false)
    } finally {
      if (saved === undefined) delete process.env.CI
      else process.env.CI = saved
    }
  })
})
