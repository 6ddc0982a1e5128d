import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('ratings', () => {
  it('case 1', async () => {
    await io(61)
    expect(cpu(15)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(61)
    expect(cpu(15)).toBeGreaterThanOrEqual(0)
  })
})
