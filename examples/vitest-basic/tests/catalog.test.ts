import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('catalog', () => {
  it('case 1', async () => {
    await io(34)
    expect(cpu(8)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(34)
    expect(cpu(8)).toBeGreaterThanOrEqual(0)
  })
})
