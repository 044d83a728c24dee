// Reads vitest's JSON report and prints the summary CI reads: the last line is exactly
// `N passed, N failed`. A suite that failed to load (syntax or import error) has no tests to
// count, so each such suite counts as one failure. Skipped tests and the run's duration go on
// the line before, for people.
import { readFileSync } from 'node:fs'

export function summarize(report) {
  const passed = report.numPassedTests ?? 0
  const brokenSuites = (report.testResults ?? []).filter(
    (s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0,
  ).length
  const failed = (report.numFailedTests ?? 0) + brokenSuites
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  const ends = (report.testResults ?? []).map((s) => s.endTime ?? 0)
  const seconds =
    report.startTime && ends.length ? Math.round((Math.max(...ends) - report.startTime) / 1000) : undefined
  const info = `${skipped} skipped${seconds === undefined ? '' : `, ${seconds} s`}`
  return { info, counts: `${passed} passed, ${failed} failed` }
}

if (process.argv[2]) {
  const { info, counts } = summarize(JSON.parse(readFileSync(process.argv[2], 'utf8')))
  console.log(info)
  console.log(counts)
}
