// Runs the `welkin` command as a real child process for tests: the bin script, its stdout and
// stderr, its exit status and how it stops on a signal, as an operator would see them.
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/welkin.js')

export interface WelkinProcess {
  readonly child: ChildProcess
  /** Everything printed so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the exit status (null when a signal killed it). */
  readonly exited: Promise<number | null>
  /** Waits until stdout matches `pattern`; fails with the output so far when it exits or times out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Sends `signal` and resolves with the exit status and how long the process took to go. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>
}

export interface SpawnOptions {
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv
  cwd?: string
}

const running = new Set<ChildProcess>()

export function spawnWelkin(args: string[], opts: SpawnOptions = {}): WelkinProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (b) => {
    out += b
  })
  child.stderr!.on('data', (b) => {
    err += b
  })
  const exited = new Promise<number | null>((done) =>
    child.on('close', (code) => {
      running.delete(child)
      done(code)
    }),
  )
  const describe = () => `${args.join(' ')}\n--- stdout\n${out}\n--- stderr\n${err}`
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let gone = false
      void exited.then(() => {
        gone = true
      })
      for (;;) {
        const m = pattern.exec(out)
        if (m) return m
        if (gone) throw new Error(`welkin exited before printing ${pattern}: ${describe()}`)
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms: ${describe()}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    async stop(signal = 'SIGINT') {
      const t0 = Date.now()
      child.kill(signal)
      const code = await exited
      return { code, ms: Date.now() - t0 }
    },
  }
}

export interface WelkinResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a short `welkin` command to its end. */
export async function runWelkin(args: string[], opts: SpawnOptions = {}): Promise<WelkinResult> {
  const p = spawnWelkin(args, opts)
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}

/** Kills whatever a failed test left running, so no process outlives the test file. */
export async function killStragglers(): Promise<void> {
  const left = [...running]
  for (const child of left) child.kill('SIGKILL')
  // Still in the set, so 'close' has not fired yet.
  await Promise.all(left.map((c) => new Promise((done) => c.once('close', done))))
}
