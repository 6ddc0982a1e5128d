import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('checkout', () => {
  it('case 1', async () => {
    await io(134)
    expect(cpu(33)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(134)
    expect(cpu(33)).toBeGreaterThanOrEqual(0)
  })

  // SHARDLESS_FAIL=1 makes this one test fail, to see a failure travel through the queue.
  it('adds up the order total', () => {
    const total = [19, 23].reduce((sum, price) => sum + price, 0)
    expect(total).toBe(process.env.SHARDLESS_FAIL ? 41 : 42)
  })
})
