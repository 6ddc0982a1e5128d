const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('orders api', () => {
  test('lists orders', async () => {
    await delay(60)
    expect(process.versions.node).toBeTruthy()
  })
})
