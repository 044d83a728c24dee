// The `welkin` entry point as an operator meets it: a real process, its output and exit status.
import { afterAll, describe, expect, it } from 'vitest'
import { commands } from './commands/index.js'
import { killStragglers, runWelkin } from './testing/cli-process.js'

afterAll(killStragglers)

describe('welkin as a process', () => {
  it('--help exits 0 and lists every command with its summary', async () => {
    const res = await runWelkin(['--help'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toMatch(/^Usage: welkin <command>/m)
    for (const c of commands) {
      expect(res.stdout, c.name).toMatch(
        new RegExp(`^ {2}${c.name} +${c.summary.replace(/[()]/g, '\\$&')}$`, 'm'),
      )
    }
  })

  it('an unknown command exits 2, naming it, with the help on stderr', async () => {
    const res = await runWelkin(['nosuch'])
    expect(res.code).toBe(2)
    expect(res.stdout).toBe('')
    expect(res.stderr).toContain("welkin: unknown command 'nosuch'")
    expect(res.stderr).toMatch(/^Usage: welkin <command>/m)
  })

  it('no command at all is a usage mistake: help, exit 2', async () => {
    const res = await runWelkin([])
    expect(res.code).toBe(2)
    expect(res.stdout).toMatch(/^Usage: welkin <command>/m)
  })
})
