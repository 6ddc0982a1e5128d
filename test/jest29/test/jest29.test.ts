import { defineJestE2e } from '@shardless/test-jest-e2e'

// The same cases as test/jest-e2e, against the Jest 29.7 this workspace depends on.
defineJestE2e(import.meta.url)
