const { work } = require('../support/work')

describe('markdown', () => {
  test('handles the common case', async () => {
    await work(29)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(15)
    expect('markdown'.length).toBe(8)
  })
})
