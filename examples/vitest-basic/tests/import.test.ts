import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('import', () => {
  it('case 1', async () => {
    await io(533)
    expect(cpu(133)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(533)
    expect(cpu(133)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(533)
    expect(cpu(133)).toBeGreaterThanOrEqual(0)
  })
})
