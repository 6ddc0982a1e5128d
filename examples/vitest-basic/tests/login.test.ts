import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('login', () => {
  it('case 1', async () => {
    await io(18)
    expect(cpu(4)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(18)
    expect(cpu(4)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(18)
    expect(cpu(4)).toBeGreaterThanOrEqual(0)
  })
  it('case 4', async () => {
    await io(18)
    expect(cpu(4)).toBeGreaterThanOrEqual(0)
  })
})
