/** Waits like I/O does: the slot is busy, the CPU is free. */
export function io(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Keeps the CPU busy for about `ms` (parsing, hashing, rendering…) and returns a checksum. */
export function cpu(ms: number): number {
  const until = performance.now() + ms
  let checksum = 0
  while (performance.now() < until) checksum = (checksum * 31 + 7) % 1_000_003
  return checksum
}
