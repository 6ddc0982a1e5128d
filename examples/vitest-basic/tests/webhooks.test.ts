import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('webhooks', () => {
  it('case 1', async () => {
    await io(31)
    expect(cpu(7)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(31)
    expect(cpu(7)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(31)
    expect(cpu(7)).toBeGreaterThanOrEqual(0)
  })
  it('case 4', async () => {
    await io(31)
    expect(cpu(7)).toBeGreaterThanOrEqual(0)
  })
})
