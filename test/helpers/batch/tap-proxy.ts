// What a test file's `import t from 'tap'` is in a batch process (tap-hook.mjs): every property
// and method is read from the subtest that run-part.ts opened for the file being run. Files run
// one after another, and a file's subtest ends only when all its tests and teardowns have, so
// `current` is that file's subtest for as long as its code runs.
import root, { type Test } from 'tap'

export const batch: { current: Test } = { current: root }

const forward: ProxyHandler<Test> = {
  get(_target, key) {
    const target = batch.current
    const value: unknown = Reflect.get(target, key, target)
    return typeof value === 'function' ? value.bind(target) : value
  },
  set(_target, key, value) {
    return Reflect.set(batch.current, key, value)
  },
  has(_target, key) {
    return Reflect.has(batch.current, key)
  }
}

export default new Proxy(root, forward)
