// Stands in for real test work: each file's duration is part of the example (the queue orders longest first).
exports.work = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
