// Registered by run-part.ts in a batch process only. A test file's `import t from 'tap'` gets
// tap-proxy.ts instead of tap's root: a stand-in that hands every call to the subtest the batch
// opened for that file, so the file's tests, hooks, teardowns and timeouts stay its own.
// Everything else (helpers, dependencies, tap-proxy.ts itself) gets the real tap.
let proxyUrl

export function initialize(data) {
  proxyUrl = data.proxyUrl
}

export async function resolve(specifier, context, next) {
  if (
    specifier === 'tap' &&
    context.parentURL?.endsWith('.test.ts') === true &&
    !context.parentURL.includes('/node_modules/')
  ) {
    return { url: proxyUrl, shortCircuit: true }
  }
  return next(specifier, context)
}
