import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('search', () => {
  it('case 1', async () => {
    await io(427)
    expect(cpu(106)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(427)
    expect(cpu(106)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(427)
    expect(cpu(106)).toBeGreaterThanOrEqual(0)
  })
})
