const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('billing api', () => {
  test('lists billing', async () => {
    await delay(70)
    expect(process.versions.node).toBeTruthy()
  })
})
