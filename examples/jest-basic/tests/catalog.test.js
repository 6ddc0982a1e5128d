const { work } = require('../support/work')

describe('catalog', () => {
  test('handles the common case', async () => {
    await work(184)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(93)
    expect('catalog'.length).toBe(7)
  })
})
