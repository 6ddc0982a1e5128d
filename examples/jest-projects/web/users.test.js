test('renders the users page', () => {
  const heading = document.createElement('h1')
  heading.textContent = 'users'
  document.body.append(heading)
  expect(document.querySelector('h1').textContent).toBe('users')
})
