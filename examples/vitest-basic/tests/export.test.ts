import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('export', () => {
  it('case 1', async () => {
    await io(240)
    expect(cpu(60)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(240)
    expect(cpu(60)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(240)
    expect(cpu(60)).toBeGreaterThanOrEqual(0)
  })
})
