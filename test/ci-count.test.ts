// `.ci/run` ends with the line CI reads, computed by .ci/count.mjs from vitest's JSON report.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'welkin-ci-count-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function count(report: unknown): string[] {
  const file = join(dir, `${Math.random()}.json`)
  writeFileSync(file, JSON.stringify(report))
  return execFileSync(process.execPath, ['.ci/count.mjs', file], { encoding: 'utf8' }).trimEnd().split('\n')
}

describe('.ci/count.mjs', () => {
  it('ends with exactly "N passed, N failed", skipped and duration on the line before', () => {
    const lines = count({
      numPassedTests: 7,
      numFailedTests: 2,
      numPendingTests: 3,
      numTodoTests: 1,
      startTime: 1_000,
      testResults: [
        { status: 'passed', endTime: 61_000, assertionResults: [{}] },
        { status: 'failed', endTime: 31_000, assertionResults: [{}, {}] },
      ],
    })
    expect(lines).toEqual(['4 skipped, 60 s', '7 passed, 2 failed'])
  })

  it('counts a suite that failed to load as a failure', () => {
    const lines = count({
      numPassedTests: 5,
      numFailedTests: 0,
      testResults: [
        { status: 'failed', assertionResults: [] },
        { status: 'passed', assertionResults: [{}] },
      ],
    })
    expect(lines.at(-1)).toBe('5 passed, 1 failed')
  })
})
