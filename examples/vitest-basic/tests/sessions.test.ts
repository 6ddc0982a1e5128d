import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('sessions', () => {
  it('case 1', async () => {
    await io(22)
    expect(cpu(5)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(22)
    expect(cpu(5)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(22)
    expect(cpu(5)).toBeGreaterThanOrEqual(0)
  })
  it('case 4', async () => {
    await io(22)
    expect(cpu(5)).toBeGreaterThanOrEqual(0)
  })
})
