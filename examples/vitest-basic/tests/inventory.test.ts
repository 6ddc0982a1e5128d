import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('inventory', () => {
  it('case 1', async () => {
    await io(92)
    expect(cpu(22)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(92)
    expect(cpu(22)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(92)
    expect(cpu(22)).toBeGreaterThanOrEqual(0)
  })
})
