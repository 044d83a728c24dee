// Enforces the package layer table of ARCHITECTURE.md: a package may import only from
// packages in strictly lower layers, and must declare what it imports as a dependency.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../packages')

interface PackageInfo {
  name: string
  dir: string
  layer: number
  dependencies: Record<string, string>
}

function loadPackages(): Map<string, PackageInfo> {
  const out = new Map<string, PackageInfo>()
  for (const entry of readdirSync(packagesDir)) {
    const dir = join(packagesDir, entry)
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    out.set(manifest.name, {
      name: manifest.name,
      dir,
      layer: manifest.welkin?.layer,
      dependencies: manifest.dependencies ?? {},
    })
  }
  return out
}

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path))
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) files.push(path)
  }
  return files
}

const importPattern = /(?:from\s+|import\s*\(\s*)['"](@welkin\/[a-z0-9-]+)/g

function layerViolations(packages: Map<string, PackageInfo>): string[] {
  const problems: string[] = []
  for (const pkg of packages.values()) {
    for (const file of sourceFiles(join(pkg.dir, 'src'))) {
      const text = readFileSync(file, 'utf8')
      for (const match of text.matchAll(importPattern)) {
        const target = packages.get(match[1])
        const where = `${file.slice(packagesDir.length + 1)} imports ${match[1]}`
        if (!target) problems.push(`${where}, which is not a workspace package`)
        else if (target.name === pkg.name) problems.push(`${where}: a package must not import itself by name`)
        else if (target.layer >= pkg.layer)
          problems.push(
            `${where} (layer ${target.layer}) from layer ${pkg.layer}: only lower layers may be imported`,
          )
        else if (!(target.name in pkg.dependencies))
          problems.push(`${where} without declaring it in package.json dependencies`)
      }
    }
  }
  return problems
}

describe('package layering', () => {
  const packages = loadPackages()

  it('gives every package a layer', () => {
    for (const pkg of packages.values()) expect(Number.isInteger(pkg.layer), pkg.name).toBe(true)
  })

  it('imports only from lower layers', () => {
    expect(layerViolations(packages)).toEqual([])
  })

  it('detects an upward import', () => {
    const fake = new Map(packages)
    const syntax = packages.get('@welkin/syntax')!
    const cli = packages.get('@welkin/cli')!
    // Pretend the CLI were layer 0: every import it makes becomes a violation.
    fake.set('@welkin/cli', { ...cli, layer: syntax.layer })
    expect(layerViolations(fake).some((p) => p.startsWith('cli/'))).toBe(true)
  })
})
