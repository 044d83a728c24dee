// Without the conformance vectors, every suite that reads them must be skipped loudly, never
// crash: run those suites in a child vitest with WELKIN_INTEROP_DIR pointing nowhere (which,
// being set, is the only place searched) and read what it reports.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SKIP_BANNER } from './support/interop.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const STAND_IN = 'conformance vectors not found'

/** Every test file under packages/ that reads the vectors through test/support/interop.ts. */
async function interopTestFiles(): Promise<string[]> {
  const files: string[] = []
  for (const entry of await readdir(join(repoRoot, 'packages'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.test.ts')) continue
    const path = join(entry.parentPath, entry.name)
    if (path.includes('node_modules')) continue
    if ((await readFile(path, 'utf8')).includes('test/support/interop.js')) files.push(path)
  }
  return files.sort()
}

interface JsonReport {
  success: boolean
  numFailedTests: number
  numPassedTests: number
  numPendingTests: number
  testResults: { name: string; status: string; assertionResults: { title: string; status: string }[] }[]
}

describe('conformance vectors absent', () => {
  let work: string
  let files: string[]
  let run: { code: number; output: string }
  let report: JsonReport

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'welkin-interop-absent-'))
    files = await interopTestFiles()
    const env: NodeJS.ProcessEnv = { ...process.env, WELKIN_INTEROP_DIR: join(work, 'nonexistent') }
    // The child must not overwrite this run's report, nor think it is a vitest worker.
    delete env.WELKIN_TEST_REPORT
    for (const name of Object.keys(env)) if (name.startsWith('VITEST')) delete env[name]
    const reportPath = join(work, 'report.json')
    const args = ['vitest', 'run', ...files.map((f) => relative(repoRoot, f))]
    // Only the interop suites: the other tests in these files are not what this checks, and
    // skipping them keeps the child to a few seconds. A file that fails to load still fails.
    args.push('-t', 'interop: ', '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`)
    run = await new Promise((done) => {
      execFile(
        'npx',
        args,
        { cwd: repoRoot, env, timeout: 120_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
          done({ code, output: `${stdout}\n${stderr}` })
        },
      )
    })
    report = JSON.parse(await readFile(reportPath, 'utf8')) as JsonReport
  }, 150_000)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('finds the suites that read the vectors', () => {
    expect(files.map((f) => relative(repoRoot, f))).toEqual(
      expect.arrayContaining([
        'packages/crypto/src/interop.test.ts',
        'packages/data/src/interop.test.ts',
        'packages/lexicon/src/doc/parse-doc.test.ts',
        'packages/lexicon/src/record-data.test.ts',
        'packages/repo/src/sync/commit-proof-fixtures.test.ts',
      ]),
    )
  })

  it('exits 0 and says loudly that the vectors were skipped', () => {
    expect(run.code, run.output).toBe(0)
    expect(run.output).toContain(SKIP_BANNER)
    expect(run.output).toContain(join(work, 'nonexistent'))
  })

  it('reports every interop suite as skipped, none failed or passed', () => {
    expect(report.success).toBe(true)
    expect(report.numFailedTests).toBe(0)
    expect(report.numPassedTests).toBe(0)
    expect(report.numPendingTests).toBeGreaterThan(0)
    expect(report.testResults.map((r) => r.name).sort()).toEqual(files)
    for (const file of report.testResults) {
      const standIns = file.assertionResults.filter((a) => a.title === STAND_IN)
      expect(standIns.length, file.name).toBeGreaterThan(0)
      for (const a of standIns) expect(a.status, file.name).toBe('skipped')
    }
  })
})
