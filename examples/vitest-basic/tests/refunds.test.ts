import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('refunds', () => {
  it('case 1', async () => {
    await io(42)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(42)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(42)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
})
