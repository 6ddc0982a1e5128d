import { expect, it } from 'vitest'
import { formatCents, total } from '../src/cart.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it('refunds: adds up lines', async () => {
  await wait(70)
  expect(total([{ sku: 'a', cents: 250, quantity: 7 }])).toBe(7 * 250)
})

it('refunds: formats cents', () => {
  expect(formatCents(1999)).toBe('€19.99')
})
