import { expect, it } from 'vitest'
import { formatCents, total } from '../src/cart.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

it('discounts: adds up lines', async () => {
  await wait(90)
  expect(total([{ sku: 'a', cents: 250, quantity: 9 }])).toBe(9 * 250)
})

it('discounts: formats cents', () => {
  expect(formatCents(1999)).toBe('€19.99')
})
