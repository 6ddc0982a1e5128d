import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('invoices', () => {
  it('case 1', async () => {
    await io(213)
    expect(cpu(53)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(213)
    expect(cpu(53)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(213)
    expect(cpu(53)).toBeGreaterThanOrEqual(0)
  })
})
