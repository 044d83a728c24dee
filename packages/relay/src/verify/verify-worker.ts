// Body of a verification worker thread: a batch of jobs in, a batch of results out, each
// encoded in one transferred buffer (wire.ts).
import { parentPort } from 'node:worker_threads'
import { runJob } from './verify-core.js'
import { decodeJobs, encodeResults } from './wire.js'

const port = parentPort
if (!port) throw new Error('verify-worker must run in a worker thread')

port.on('message', (batch: ArrayBuffer) => {
  const out = encodeResults(decodeJobs(batch).map(runJob))
  port.postMessage(out, [out])
})
