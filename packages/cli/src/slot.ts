/**
 * The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag, mod 16384. Computed locally so `doctor`
 * can show where a build would live even on a standalone Redis (which refuses CLUSTER KEYSLOT).
 */
export function hashSlot(key: string): number {
  const open = key.indexOf('{')
  const close = open < 0 ? -1 : key.indexOf('}', open + 1)
  const tag = close > open + 1 ? key.slice(open + 1, close) : key
  let crc = 0
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}
