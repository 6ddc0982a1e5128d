import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('images', () => {
  it('case 1', async () => {
    await io(160)
    expect(cpu(40)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(160)
    expect(cpu(40)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(160)
    expect(cpu(40)).toBeGreaterThanOrEqual(0)
  })
})
