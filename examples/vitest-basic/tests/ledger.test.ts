import { describe, expect, it } from 'vitest'
import { cpu, io } from './work.js'

describe('ledger', () => {
  it('case 1', async () => {
    await io(187)
    expect(cpu(46)).toBeGreaterThanOrEqual(0)
  })
  it('case 2', async () => {
    await io(187)
    expect(cpu(46)).toBeGreaterThanOrEqual(0)
  })
  it('case 3', async () => {
    await io(187)
    expect(cpu(46)).toBeGreaterThanOrEqual(0)
  })
})
