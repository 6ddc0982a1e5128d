const { work } = require('../support/work')

describe('tax rules', () => {
  test('handles the common case', async () => {
    await work(99)
    expect([1, 2, 3].map((n) => n * 2)).toEqual([2, 4, 6])
  })

  test('handles an edge case', async () => {
    await work(50)
    expect('tax-rules'.length).toBe(9)
  })

  // SHARDLESS_FAIL=1 makes this one test fail, to see a failing build end to end.
  test('rounds half cents up', () => {
    expect(process.env.SHARDLESS_FAIL === '1' ? 0.4 : 0.5).toBe(0.5)
  })
})
