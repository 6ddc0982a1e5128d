import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('i18n', () => {
  it('case 1', async () => {
    await io(73)
    expect(cpu(18)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(73)
    expect(cpu(18)).toBeGreaterThanOrEqual(0)
  })
})
