import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('orders', () => {
  it('case 1', async () => {
    await io(69)
    expect(cpu(17)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(69)
    expect(cpu(17)).toBeGreaterThanOrEqual(0)
  })
})
