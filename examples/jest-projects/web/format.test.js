const { format } = require('../shared/format')

test('renders a price into the page', () => {
  document.body.innerHTML = '<span id="price"></span>'
  document.getElementById('price').textContent = format(1234.5)
  expect(document.body.textContent).toBe('1,234.50')
})
