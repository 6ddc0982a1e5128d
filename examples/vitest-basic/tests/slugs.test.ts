import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('slugs', () => {
  it('case 1', async () => {
    await io(44)
    expect(cpu(11)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(44)
    expect(cpu(11)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(44)
    expect(cpu(11)).toBeGreaterThanOrEqual(0)
  })
})
