import { describe, expect, it } from 'vitest'
import { MetricsRegistry } from './metrics.js'

describe('MetricsRegistry', () => {
  it('renders counters and gauges in the Prometheus text format, labels escaped', () => {
    const r = new MetricsRegistry()
    const c = r.counter('x_total', 'Things', ['host', 'reason'])
    c.inc({ host: 'a.example.com', reason: 'bad"one' })
    c.inc({ host: 'a.example.com', reason: 'bad"one' }, 2)
    c.inc({ host: 'b', reason: 'ok' })
    r.gauge('y', 'A level', () => 7)
    const text = r.render()
    expect(text).toContain('# TYPE x_total counter')
    expect(text).toContain('x_total{host="a.example.com",reason="bad\\"one"} 3')
    expect(text).toContain('# TYPE y gauge\ny 7')
    expect(c.sum({ host: 'a.example.com' })).toBe(3)
    expect(c.sum()).toBe(4)
  })
})
