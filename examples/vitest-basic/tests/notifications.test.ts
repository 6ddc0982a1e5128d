import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('notifications', () => {
  it('case 1', async () => {
    await io(105)
    expect(cpu(26)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(105)
    expect(cpu(26)).toBeGreaterThanOrEqual(0)
  })
})
