// Runs one official service in its own Node process. The official packages bring their own
// module graph (CommonJS, older multiformats, express patches, native sqlite), so they stay out
// of the test process; the child talks back over an IPC channel and exits by itself when that
// channel closes, so even a test runner killed with SIGKILL leaves no server behind.
import { type ChildProcess, fork } from 'node:child_process'
import { ServiceStartError } from './errors.js'

export interface ChildServiceOptions {
  /** Name used in errors, e.g. 'official PDS'. */
  name: string
  /** Absolute path of the plain-JS child script. */
  script: string
  /** The child's whole environment; nothing of the test process leaks into it. */
  env: Record<string, string>
  /** Forward the child's output to this process's stderr. */
  log?: boolean
  readyTimeoutMs?: number
}

export interface ChildService {
  /** The loopback port the child listens on. */
  port: number
  pid: number
  close(): Promise<void>
}

/** Messages a child script sends over IPC. */
type ChildMessage = { type: 'ready'; port: number } | { type: 'failed'; message: string }

const OUTPUT_TAIL_BYTES = 8192
const running = new Set<ChildProcess>()
let exitHookInstalled = false

function killAllOnExit(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers must be synchronous: a plain kill is all that can happen here.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL')
  })
}

export async function startChildService(opts: ChildServiceOptions): Promise<ChildService> {
  killAllOnExit()
  // execArgv is cleared so loaders of the test runner (vitest, tsx) do not follow the child.
  const child = fork(opts.script, [], {
    env: opts.env,
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  running.add(child)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES)
    if (opts.log) process.stderr.write(chunk)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => running.delete(child))

  let port: number
  try {
    port = await waitForReady(child, opts, () => output)
  } catch (err) {
    child.kill('SIGKILL')
    await exited
    throw err
  }
  return {
    port,
    pid: child.pid ?? -1,
    close: () => stopChild(child, exited),
  }
}

function waitForReady(child: ChildProcess, opts: ChildServiceOptions, output: () => string): Promise<number> {
  const timeoutMs = opts.readyTimeoutMs ?? 60_000
  return new Promise<number>((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      child.off('error', onError)
    }
    const fail = (reason: string) => {
      cleanup()
      reject(new ServiceStartError(opts.name, reason, output()))
    }
    const onMessage = (msg: ChildMessage) => {
      if (msg?.type === 'ready' && Number.isInteger(msg.port)) {
        cleanup()
        resolve(msg.port)
      } else if (msg?.type === 'failed') fail(`failed to start: ${msg.message}`)
    }
    const onExit = (code: number | null, signal: string | null) =>
      fail(`exited before it was ready (code ${code}, signal ${signal})`)
    const onError = (err: Error) => fail(`could not be spawned: ${err.message}`)
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs)
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.once('error', onError)
  })
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  // A graceful stop lets sqlite close its files; a child that hangs is killed after a grace period.
  child.kill('SIGTERM')
  const grace = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(grace)
}
