// Enforces the package layer table of ARCHITECTURE.md: a package's sources may import only from
// packages in strictly lower layers, must declare what they import as a dependency, and must
// not reach out of their package directory by relative path. Test files may use any workspace
// package as a harness, but must declare it (dependencies or devDependencies).
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const packagesDir = join(repoRoot, 'packages')
/** The repo's shared test helpers (conformance vector lookup): open to every test file. */
const testSupportDir = join(repoRoot, 'test/support')

interface PackageInfo {
  name: string
  dir: string
  layer: number
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
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
      devDependencies: manifest.devDependencies ?? {},
    })
  }
  return out
}

/** Every TypeScript file under `dir`, tests included. */
function tsFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) files.push(...tsFiles(path))
    else if (path.endsWith('.ts')) files.push(path)
  }
  return files
}

const isTestFile = (path: string) => path.endsWith('.test.ts')

// Module specifiers of `import … from`, `export … from`, bare `import '…'`, dynamic
// `import('…')` and `require('…')`.
const specifierPattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g

function specifiers(text: string): string[] {
  return [...text.matchAll(specifierPattern)].map((m) => m[1])
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep)

/** The workspace package whose directory holds `path`. */
function ownerOf(path: string, packages: Map<string, PackageInfo>): PackageInfo | undefined {
  for (const pkg of packages.values()) if (inside(path, pkg.dir)) return pkg
  return undefined
}

/** What is wrong with the imports of one file of `pkg` (`file` is absolute). */
function fileViolations(
  pkg: PackageInfo,
  file: string,
  text: string,
  packages: Map<string, PackageInfo>,
): string[] {
  const problems: string[] = []
  const test = isTestFile(file)
  const at = file.slice(packagesDir.length + 1)

  const checkPackage = (target: PackageInfo, where: string) => {
    if (target.name === pkg.name) {
      problems.push(`${where}: a package must not import itself by name`)
    } else if (test) {
      if (!(target.name in pkg.dependencies) && !(target.name in pkg.devDependencies))
        problems.push(
          `${where} (a test) without declaring it in package.json dependencies or devDependencies`,
        )
    } else if (target.layer >= pkg.layer) {
      problems.push(
        `${where} (layer ${target.layer}) from layer ${pkg.layer}: only lower layers may be imported`,
      )
    } else if (!(target.name in pkg.dependencies)) {
      problems.push(`${where} without declaring it in package.json dependencies`)
    }
  }

  for (const spec of specifiers(text)) {
    const where = `${at} imports ${spec}`
    const scoped = /^@welkin\/[a-z0-9-]+/.exec(spec)
    if (scoped) {
      const target = packages.get(scoped[0])
      if (!target) problems.push(`${where}, which is not a workspace package`)
      else checkPackage(target, where)
      continue
    }
    if (!spec.startsWith('./') && !spec.startsWith('../')) continue
    const resolved = resolve(dirname(file), spec)
    if (inside(resolved, pkg.dir)) continue
    if (!test) {
      problems.push(`${where}, a relative path out of the package directory: import packages by name`)
      continue
    }
    if (inside(resolved, testSupportDir)) continue
    // A test reaching into another package's helpers by path still depends on that package.
    const target = ownerOf(resolved, packages)
    if (target) checkPackage(target, where)
    else problems.push(`${where}, a relative path out of the package directory`)
  }
  return problems
}

function layerViolations(packages: Map<string, PackageInfo>): string[] {
  const problems: string[] = []
  for (const pkg of packages.values()) {
    for (const file of tsFiles(join(pkg.dir, 'src'))) {
      problems.push(...fileViolations(pkg, file, readFileSync(file, 'utf8'), packages))
    }
  }
  return problems
}

describe('package layering', () => {
  const packages = loadPackages()
  const repo = packages.get('@welkin/repo')!
  const sourceFile = join(repo.dir, 'src/example.ts')
  const testFile = join(repo.dir, 'src/example.test.ts')
  const check = (file: string, text: string) => fileViolations(repo, file, text, packages)

  it('gives every package a layer', () => {
    for (const pkg of packages.values()) expect(Number.isInteger(pkg.layer), pkg.name).toBe(true)
  })

  it('imports only from lower layers, declared, and only by package name', () => {
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

  it('reads every form of import', () => {
    const text = [
      "import { a } from '@welkin/syntax'",
      "import type { B } from '@welkin/data'",
      "export { c } from '@welkin/crypto'",
      "import '@welkin/pds'",
      "const m = await import('@welkin/relay')",
      'const n = await import(\n  "@welkin/plc"\n)',
      "const o = require('@welkin/xrpc')",
      'import {\n  d,\n  e,\n} from "./local.js"',
    ].join('\n')
    expect(specifiers(text)).toEqual([
      '@welkin/syntax',
      '@welkin/data',
      '@welkin/crypto',
      '@welkin/pds',
      '@welkin/relay',
      '@welkin/plc',
      '@welkin/xrpc',
      './local.js',
    ])
  })

  it('catches bare and dynamic imports of higher layers in sources', () => {
    expect(check(sourceFile, "import '@welkin/pds'")).toEqual([
      'repo/src/example.ts imports @welkin/pds (layer 4) from layer 2: only lower layers may be imported',
    ])
    expect(check(sourceFile, "await import('@welkin/relay')")).toHaveLength(1)
    expect(check(sourceFile, "import { x } from '@welkin/data'")).toEqual([])
  })

  it('catches relative imports that leave the package', () => {
    expect(check(sourceFile, "import { x } from './mst/mst.js'")).toEqual([])
    expect(check(sourceFile, "import { x } from '../../data/src/cid.js'")[0]).toMatch(
      /relative path out of the package directory/,
    )
    expect(check(sourceFile, "import { x } from '../../../test/support/interop.js'")).toHaveLength(1)
  })

  it('lets tests use any declared package and test/support, and nothing undeclared', () => {
    expect(check(testFile, "import { x } from '../../../test/support/interop.js'")).toEqual([])
    expect(check(testFile, "import { x } from '@welkin/data'")).toEqual([])
    expect(check(testFile, "import { x } from '@welkin/plc'")[0]).toMatch(
      /without declaring it in package.json dependencies or devDependencies/,
    )
    expect(check(testFile, "import { x } from '../../plc/src/testing.js'")).toHaveLength(1)
    expect(check(testFile, "import { x } from '../../../../elsewhere.js'")).toHaveLength(1)
    const withPlc = { ...repo, devDependencies: { ...repo.devDependencies, '@welkin/plc': '*' } }
    expect(fileViolations(withPlc, testFile, "import { x } from '@welkin/plc'", packages)).toEqual([])
  })
})
