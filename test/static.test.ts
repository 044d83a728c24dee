// The type checker and the linter are part of the suite, so a tree that does not type-check
// or lint cleanly fails CI like any other broken test.
import { spawnSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function run(bin: string, args: string[]): { status: number | null; output: string } {
  const res = spawnSync(process.execPath, [resolve(root, 'node_modules', bin), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  })
  return { status: res.status, output: `${res.stdout}${res.stderr}`.slice(-4000) }
}

describe('static checks', () => {
  it('type-checks (tsc --noEmit, strict)', { timeout: 240_000 }, () => {
    const { status, output } = run('typescript/bin/tsc', ['-p', 'tsconfig.json', '--noEmit'])
    expect(output, output).not.toMatch(/error TS/)
    expect(status).toBe(0)
  })

  it('lints and is formatted (biome check)', { timeout: 120_000 }, () => {
    const { status, output } = run('@biomejs/biome/bin/biome', ['check', '.', '--diagnostic-level=error'])
    expect(status, output).toBe(0)
  })
})
