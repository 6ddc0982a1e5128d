const { work } = require('../support/work')

describe('invoice', () => {
  test('handles the common case', async () => {
    await work(482)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(242)
    expect('invoice'.length).toBe(7)
  })
})
