const { work } = require('../support/work')

describe('slugify', () => {
  test('handles the common case', async () => {
    await work(30)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(15)
    expect('slugify'.length).toBe(7)
  })
})
