const { work } = require('../support/work')

describe('audit log', () => {
  test('handles the common case', async () => {
    await work(58)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(29)
    expect('audit-log'.length).toBe(9)
  })
})
