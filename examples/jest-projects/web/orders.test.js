test('renders the orders page', () => {
  const heading = document.createElement('h1')
  heading.textContent = 'orders'
  document.body.append(heading)
  expect(document.querySelector('h1').textContent).toBe('orders')
})
