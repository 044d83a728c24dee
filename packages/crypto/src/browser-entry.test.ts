// The browser entry must never reach node:* modules or native code: walk its static import
// graph, resolving `#backend` the way a bundler with the "browser" condition would.
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as browserApi from './browser.js'
import * as nodeApi from './index.js'

const srcDir = dirname(fileURLToPath(import.meta.url))
const manifest = JSON.parse(readFileSync(join(srcDir, '../package.json'), 'utf8'))
const specifierPattern =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function resolveInternal(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('#')) return resolve(srcDir, '..', manifest.imports[specifier].browser)
  if (specifier.startsWith('.')) return resolve(dirname(from), specifier.replace(/\.js$/, '.ts'))
  return undefined
}

function externalImports(entry: string): Set<string> {
  const seen = new Set<string>()
  const external = new Set<string>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    for (const match of readFileSync(file, 'utf8').matchAll(specifierPattern)) {
      const specifier = match[1] ?? match[2]
      const internal = resolveInternal(file, specifier)
      if (internal) queue.push(internal)
      else external.add(specifier)
    }
  }
  return external
}

describe('browser entry', () => {
  it('is what package.json exports under the "browser" condition', () => {
    expect(manifest.exports['.'].browser).toBe('./src/browser.ts')
    expect(manifest.imports['#backend'].browser).toBe('./src/pure/default.ts')
  })

  it('imports nothing from Node or native code', () => {
    const external = [...externalImports(join(srcDir, 'browser.ts'))]
    const nodeOnly = external.filter(
      (s) => s.startsWith('node:') || builtinModules.includes(s) || s.startsWith('secp256k1'),
    )
    expect(nodeOnly).toEqual([])
    expect(external.every((s) => s.startsWith('@noble/'))).toBe(true)
  })

  it('the scan does see the Node entry reaching node:crypto and the addon', () => {
    const external = externalImports(join(srcDir, 'index.ts'))
    expect(external.has('node:crypto')).toBe(true)
    expect(external.has('node:module')).toBe(true)
  })

  it('exports the same API as the Node entry, minus the native backend', () => {
    const nodeNames = Object.keys(nodeApi).filter((n) => n !== 'nativeBackend')
    expect(Object.keys(browserApi).sort()).toEqual(nodeNames.sort())
  })
})
