// A Welkin PDS in a process of its own, for tests and benchmarks that kill it or measure it
// from outside (dev mode, loopback, a real data directory, DIDs registered at a given PLC):
//   node --import tsx packages/pds/src/crash/pds-process.ts <dataDir> <plcUrl> [port]
// Prints `LISTENING <port>` once it serves requests. SIGTERM/SIGINT close it cleanly.
import { resolvePdsConfig } from '../config.js'
import { createPds } from '../server.js'

const [dataDirectory, didPlcUrl, port = '0'] = process.argv.slice(2)
if (!dataDirectory || !didPlcUrl) {
  console.error('usage: pds-process.ts <dataDir> <plcUrl> [port]')
  process.exit(2)
}

const config = resolvePdsConfig({
  dataDirectory,
  didPlcUrl,
  devMode: true,
  hostname: 'localhost',
  port: Number(port),
})
const pds = await createPds(config, { log: (msg, fields) => console.error(`[pds] ${msg}`, fields ?? '') })
// Linux writes to a pipe synchronously: the parent has this line before any request is served.
process.stdout.write(`LISTENING ${pds.port}\n`)

const stop = () => {
  pds.close().then(
    () => process.exit(0),
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
// The parent going away (a test runner killed) must not leave a server behind.
process.stdin.on('end', stop)
process.stdin.resume()
