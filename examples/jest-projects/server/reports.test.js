const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

describe('reports api', () => {
  test('lists reports', async () => {
    await delay(70)
    expect(process.versions.node).toBeTruthy()
  })
})
