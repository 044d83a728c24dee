// Run by archive/car-store.test.ts in a child process: builds an archived account, writes what
// the parent needs to check it to `<dir>/expect.json`, then compacts it and is SIGKILLed at the
// rewrite step named on the command line (a crash at exactly that point).
// Usage: node --import tsx archive-crash-child.ts <dir> <reserved|written|swapped>
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ArchiveStore, type RewriteStep } from '../archive/archive-store.js'
import { archivedAccount } from './archive-fixture.js'

const [dir, step] = process.argv.slice(2) as [string, RewriteStep]
// The import is a rewrite too: only the compaction's steps are fatal.
let armed = false
const store = new ArchiveStore(join(dir, 'archive.sqlite'), {
  policy: { allowLoopback: true },
  onStep: (s) => {
    if (armed && s === step) process.kill(process.pid, 'SIGKILL')
  },
})
const acct = await archivedAccount(store, { initial: 4, commits: 6 })
writeFileSync(
  join(dir, 'expect.json'),
  JSON.stringify({
    did: acct.did,
    key: acct.key.did(),
    head: acct.repo.head!.cid.toString(),
    records: acct.repo.rkeys.length,
  }),
)
armed = true
await store.compact(acct.did)
// Reaching here means the step was never hit: the parent fails on the exit code.
process.exit(3)
