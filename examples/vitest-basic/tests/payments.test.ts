import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('payments', () => {
  it('case 1', async () => {
    await io(56)
    expect(cpu(13)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(56)
    expect(cpu(13)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(56)
    expect(cpu(13)).toBeGreaterThanOrEqual(0)
  })
})
