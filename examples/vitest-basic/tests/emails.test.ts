import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('emails', () => {
  it('case 1', async () => {
    await io(68)
    expect(cpu(16)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(68)
    expect(cpu(16)).toBeGreaterThanOrEqual(0)
  })
})
