const { work } = require('../support/work')

describe('imports', () => {
  test('handles the common case', async () => {
    await work(40)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(21)
    expect('imports'.length).toBe(7)
  })
})
