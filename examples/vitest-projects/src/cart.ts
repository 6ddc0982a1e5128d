export interface Line {
  sku: string
  cents: number
  quantity: number
}

export function total(lines: Line[]): number {
  return lines.reduce((sum, line) => sum + line.cents * line.quantity, 0)
}

export function formatCents(cents: number, currency = 'EUR'): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100)
}

export function renderCart(document: Document, lines: Line[]): HTMLElement {
  const list = document.createElement('ul')
  for (const line of lines) {
    const item = document.createElement('li')
    item.dataset.sku = line.sku
    item.textContent = `${line.quantity} × ${formatCents(line.cents)}`
    list.append(item)
  }
  return list
}
