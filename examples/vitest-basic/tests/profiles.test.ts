import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('profiles', () => {
  it('case 1', async () => {
    await io(44)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(44)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(44)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
  it('case 4', async () => {
    await io(44)
    expect(cpu(10)).toBeGreaterThanOrEqual(0)
  })
})
