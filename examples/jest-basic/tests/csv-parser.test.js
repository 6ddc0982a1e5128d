const { work } = require('../support/work')

describe('csv parser', () => {
  test('handles the common case', async () => {
    await work(38)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(20)
    expect('csv-parser'.length).toBe(10)
  })
})
