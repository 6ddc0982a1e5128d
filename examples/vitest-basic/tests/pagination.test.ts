import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('pagination', () => {
  it('case 1', async () => {
    await io(138)
    expect(cpu(34)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(138)
    expect(cpu(34)).toBeGreaterThanOrEqual(0)
  })
})
