// Starts pds-process.ts as a child process and hands back its URL once it listens.
import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./pds-process.ts', import.meta.url))
const tsx = createRequire(import.meta.url).resolve('tsx')

export interface PdsChild {
  url: string
  port: number
  pid: number
  child: ChildProcess
  /** The last 4 KiB the child wrote to stderr. */
  stderr(): string
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>
  /** SIGTERM (a clean close), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export function startPdsChild(
  dataDir: string,
  plcUrl: string,
  opts: { port?: number; nodeArgs?: string[]; startTimeoutMs?: number } = {},
): Promise<PdsChild> {
  const args = [...(opts.nodeArgs ?? []), '--import', tsx, script, dataDir, plcUrl, String(opts.port ?? 0)]
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-4096)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  return new Promise<PdsChild>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill()
      reject(new Error(`PDS child did not start within ${opts.startTimeoutMs ?? 30_000} ms: ${err}`))
    }, opts.startTimeoutMs ?? 30_000)
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /^LISTENING (\d+)$/m.exec(out)
      if (!m) return
      clearTimeout(timer)
      const port = Number(m[1])
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        pid: child.pid!,
        child,
        stderr: () => err,
        kill,
        async stop(graceMs = 5000) {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill('SIGTERM')
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs)
          await exited
          clearTimeout(t)
        },
      })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`PDS child exited (${code ?? signal}) before listening: ${err}`))
    })
  })
}
