// The commands README's quick start promises, `npm start` and `npm test`, are what the root
// package.json runs, and `welkin` (what `npm start` calls) is a bin of a workspace package.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'))

describe('the root package', () => {
  const pkg = readJson('package.json') as { scripts: Record<string, string>; workspaces: string[] }

  it('starts the local network with `welkin up` and tests with `vitest run`', () => {
    expect(pkg.scripts.start).toBe('welkin up')
    expect(pkg.scripts.test).toBe('vitest run')
  })

  it('is what README tells a newcomer to run', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    expect(readme).toContain('npm install && npm start')
    expect(readme).toContain('npm install && npm test')
    expect(readme).toContain('(`welkin up`)')
  })

  it('gets `welkin` from the cli workspace package', () => {
    expect(pkg.workspaces).toContain('packages/*')
    const cli = readJson('packages/cli/package.json') as { bin?: Record<string, string> }
    expect(cli.bin?.welkin).toBeDefined()
  })
})
