// Locates the public atproto conformance vectors. They are read in place, never copied into
// the repo: from $WELKIN_INTEROP_DIR, else ../shared/interop/atproto-interop-tests beside the
// checkout. Where they are absent, suites using them are skipped, and said so loudly.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe } from 'vitest'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

function locate(): string | undefined {
  const fromEnv = process.env.WELKIN_INTEROP_DIR
  const candidates = [
    ...(fromEnv ? [fromEnv, join(fromEnv, 'atproto-interop-tests')] : []),
    join(repoRoot, '../shared/interop/atproto-interop-tests'),
  ]
  return candidates.find((dir) => existsSync(join(dir, 'README.md')))
}

export const interopDir: string | undefined = locate()

/** Root of the shared/ folder beside the checkout (specs, lexicons, jetstream dictionary), if present. */
export const sharedDir: string | undefined = ((): string | undefined => {
  const dir = join(repoRoot, '../shared')
  return existsSync(dir) ? dir : undefined
})()

export function interopPath(rel: string): string {
  if (!interopDir) throw new Error('interop vectors are not available')
  return join(interopDir, rel)
}

export function readInteropJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(interopPath(rel), 'utf8')) as T
}

/** Lines of a syntax vector file: untrimmed (several invalid cases have edge spaces), no comments or blanks. */
export function readInteropLines(rel: string): string[] {
  return readFileSync(interopPath(rel), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0 && !line.startsWith('#'))
}

let warned = false
/** A describe block that runs only where the vectors exist, and warns once where they do not. */
export function describeInterop(name: string, fn: () => void): void {
  if (!interopDir && !warned) {
    warned = true
    console.warn(
      '\n*** SKIPPED: atproto interop vectors not found (set WELKIN_INTEROP_DIR or place shared/ beside the checkout) ***\n',
    )
  }
  describe.skipIf(!interopDir)(`interop: ${name}`, fn)
}
