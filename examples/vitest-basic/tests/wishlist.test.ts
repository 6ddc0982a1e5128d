import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('wishlist', () => {
  it('case 1', async () => {
    await io(74)
    expect(cpu(18)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(74)
    expect(cpu(18)).toBeGreaterThanOrEqual(0)
  })
})
