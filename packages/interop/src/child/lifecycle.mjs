// Shared by the child scripts: report readiness over IPC, and stop cleanly on SIGTERM, on a
// closed IPC channel (the parent died) or on a failure, always within a bounded time.
// Plain JavaScript run by plain node: no loader sits between the official packages and Node.

const STOP_GRACE_MS = 4000

export function reportReady(port) {
  process.send?.({ type: 'ready', port })
}

export function reportFailure(err) {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
  process.stderr.write(`${message}\n`)
  process.send?.({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
  process.exit(1)
}

export function stopOnSignal(stop) {
  let stopping = false
  const run = async () => {
    if (stopping) return
    stopping = true
    setTimeout(() => process.exit(1), STOP_GRACE_MS).unref()
    try {
      await stop()
      process.exit(0)
    } catch (err) {
      process.stderr.write(`stop failed: ${err?.stack ?? err}\n`)
      process.exit(1)
    }
  }
  process.on('SIGTERM', run)
  process.on('SIGINT', run)
  process.on('disconnect', run)
}

/** Closes an http server, cutting idle keep-alive connections that would hold it open. */
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections?.()
  })
}
