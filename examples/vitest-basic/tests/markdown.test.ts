import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('markdown', () => {
  it('case 1', async () => {
    await io(49)
    expect(cpu(12)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(49)
    expect(cpu(12)).toBeGreaterThanOrEqual(0)
  })
})
