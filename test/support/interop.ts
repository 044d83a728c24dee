// Locates the public atproto conformance vectors. They are read in place, never copied into
// the repo: from $WELKIN_INTEROP_DIR when it is set (and then only there, so a mistyped path
// is not silently covered by another copy), else ../shared/interop/atproto-interop-tests beside
// the checkout. Where they are absent, suites using them are skipped, and said so loudly.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'vitest'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Where the vectors are looked for, in order: the env directory (or its atproto-interop-tests). */
function candidates(): string[] {
  const fromEnv = process.env.WELKIN_INTEROP_DIR
  if (fromEnv) return [fromEnv, join(fromEnv, 'atproto-interop-tests')]
  return [join(repoRoot, '../shared/interop/atproto-interop-tests')]
}

const searched = candidates()

export const interopDir: string | undefined = searched.find((dir) => existsSync(join(dir, 'README.md')))

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

export const SKIP_BANNER = '*** SKIPPED: atproto interop vectors not found'

let warned = false
/**
 * A describe block that runs only where the vectors exist. Where they do not, `fn` is never
 * called (vitest collects a skipped block by running its body, and the body reads the
 * vectors): a skipped block with one skipped test stands in for it, and a warning says why.
 */
export function describeInterop(name: string, fn: () => void): void {
  if (interopDir) {
    describe(`interop: ${name}`, fn)
    return
  }
  if (!warned) {
    warned = true
    console.warn(
      `\n${SKIP_BANNER} (looked in ${searched.join(', ')}; set WELKIN_INTEROP_DIR or place shared/ beside the checkout) ***\n`,
    )
  }
  describe.skip(`interop: ${name}`, () => {
    it.skip('conformance vectors not found', () => {})
  })
}
