import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('tax', () => {
  it('case 1', async () => {
    await io(59)
    expect(cpu(14)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(59)
    expect(cpu(14)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(59)
    expect(cpu(14)).toBeGreaterThanOrEqual(0)
  })
})
