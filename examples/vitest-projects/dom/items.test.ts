import { expect, it } from 'vitest'
import { renderCart } from '../src/cart.js'

it('items: renders one item per line', () => {
  const list = renderCart(document, [
    { sku: 'tea', cents: 450, quantity: 2 },
    { sku: 'mug', cents: 1200, quantity: 1 },
  ])
  document.body.append(list)
  expect(document.querySelectorAll('li')).toHaveLength(2)
  expect(list.querySelector('[data-sku="tea"]')?.textContent).toBe('2 × €4.50')
})
