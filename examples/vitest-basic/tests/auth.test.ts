import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('auth', () => {
  it('case 1', async () => {
    await io(90)
    expect(cpu(22)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(90)
    expect(cpu(22)).toBeGreaterThanOrEqual(0)
  })
})
