import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('feeds', () => {
  it('case 1', async () => {
    await io(28)
    expect(cpu(6)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(28)
    expect(cpu(6)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(28)
    expect(cpu(6)).toBeGreaterThanOrEqual(0)
  })
})
