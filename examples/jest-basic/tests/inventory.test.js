const { work } = require('../support/work')

describe('inventory', () => {
  test('handles the common case', async () => {
    await work(129)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(65)
    expect('inventory'.length).toBe(9)
  })
})
