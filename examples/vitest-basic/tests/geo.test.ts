import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('geo', () => {
  it('case 1', async () => {
    await io(110)
    expect(cpu(27)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(110)
    expect(cpu(27)).toBeGreaterThanOrEqual(0)
  })
})
