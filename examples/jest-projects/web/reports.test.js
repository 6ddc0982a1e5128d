test('renders the reports page', () => {
  const heading = document.createElement('h1')
  heading.textContent = 'reports'
  document.body.append(heading)
  expect(document.querySelector('h1').textContent).toBe('reports')
})
