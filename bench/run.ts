// `npm run bench`: runs every bench/*.bench.ts in its own process, one after another, so one
// benchmark's heap and JIT state do not colour the next. Pass names to run a subset.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = dirname(fileURLToPath(import.meta.url))
const wanted = process.argv.slice(2)
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()

console.log(`# Welkin benchmarks — ${new Date().toISOString()} — node ${process.version}`)
let failed = 0
for (const script of scripts) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(dir, script)], { stdio: 'inherit' })
  if (res.status !== 0) {
    failed++
    console.error(`${script} failed with status ${res.status}`)
  }
}
process.exitCode = failed ? 1 : 0
