const { work } = require('../support/work')

describe('image resize', () => {
  test('handles the common case', async () => {
    await work(35)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(18)
    expect('image-resize'.length).toBe(12)
  })
})
