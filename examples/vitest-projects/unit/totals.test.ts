import { expect, it } from 'vitest'
import { formatCents, total } from '../src/cart.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it('totals: adds up lines', async () => {
  await wait(60)
  expect(total([{ sku: 'a', cents: 250, quantity: 6 }])).toBe(6 * 250)
})

it('totals: formats cents', () => {
  expect(formatCents(1999)).toBe('€19.99')
})
