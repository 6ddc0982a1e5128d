import { defineJestE2e } from '../src/cases.js'

defineJestE2e(import.meta.url)
