test('renders the billing page', () => {
  const heading = document.createElement('h1')
  heading.textContent = 'billing'
  document.body.append(heading)
  expect(document.querySelector('h1').textContent).toBe('billing')
})
