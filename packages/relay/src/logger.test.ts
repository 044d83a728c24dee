import { describe, expect, it } from 'vitest'
import { jsonLogger, LimitedLogger, type LogFields, type LogLevel } from './logger.js'

describe('jsonLogger', () => {
  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const lines: string[] = []
    const log = jsonLogger('info', (l) => lines.push(l))
    log.log('warn', 'host stream problem', {
      host: 'pds.example.com',
      err: new TypeError('boom'),
      n: 10n,
      bytes: new Uint8Array(3),
    })
    expect(lines).toHaveLength(1)
    expect(lines[0].endsWith('\n')).toBe(true)
    expect(lines[0].indexOf('\n')).toBe(lines[0].length - 1)
    const obj = JSON.parse(lines[0])
    expect(obj).toEqual({
      time: expect.any(String),
      level: 'warn',
      msg: 'host stream problem',
      host: 'pds.example.com',
      // Errors keep name and message (never a stack); values JSON cannot hold are described.
      err: { name: 'TypeError', message: 'boom' },
      n: '10',
      bytes: '<3 bytes>',
    })
    expect(new Date(obj.time).toISOString()).toBe(obj.time)
  })

  it('drops lines below its level', () => {
    const lines: string[] = []
    const log = jsonLogger('warn', (l) => lines.push(l))
    log.log('debug', 'a')
    log.log('info', 'b')
    log.log('warn', 'c')
    log.log('error', 'd')
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['c', 'd'])
  })
})

describe('LimitedLogger', () => {
  function recorder() {
    const got: { level: LogLevel; msg: string; fields?: LogFields }[] = []
    return {
      got,
      logger: { log: (level: LogLevel, msg: string, fields?: LogFields) => got.push({ level, msg, fields }) },
    }
  }

  it('lets `perMinute` lines per key through, then summarises what it suppressed in the next window', () => {
    const { got, logger } = recorder()
    let now = 1_000_000
    const limited = new LimitedLogger(logger, 3, () => now)
    for (let i = 0; i < 10; i++) limited.log('drop h1', 'warn', 'dropped event', { i })
    // Another key has its own budget.
    limited.log('drop h2', 'warn', 'other host')
    expect(got.map((g) => g.fields?.i ?? g.msg)).toEqual([0, 1, 2, 'other host'])

    now += 59_999
    limited.log('drop h1', 'warn', 'dropped event', { i: 10 })
    expect(got).toHaveLength(4)

    now += 1
    limited.log('drop h1', 'warn', 'dropped event', { i: 11 })
    expect(got.slice(4)).toEqual([
      { level: 'warn', msg: 'suppressed repeated log lines', fields: { key: 'drop h1', suppressed: 8 } },
      { level: 'warn', msg: 'dropped event', fields: { i: 11 } },
    ])
  })

  it('says nothing about a window that stayed under the limit', () => {
    const { got, logger } = recorder()
    let now = 0
    const limited = new LimitedLogger(logger, 3, () => now)
    limited.log('k', 'info', 'a')
    limited.log('k', 'info', 'b')
    now += 120_000
    limited.log('k', 'info', 'c')
    expect(got.map((g) => g.msg)).toEqual(['a', 'b', 'c'])
  })
})
