import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('users', () => {
  it('case 1', async () => {
    await io(85)
    expect(cpu(21)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(85)
    expect(cpu(21)).toBeGreaterThanOrEqual(0)
  })
})
