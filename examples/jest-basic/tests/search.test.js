const { work } = require('../support/work')

describe('search', () => {
  test('handles the common case', async () => {
    await work(233)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(117)
    expect('search'.length).toBe(6)
  })
})
