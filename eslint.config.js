// Lint: neostandard's rules for correctness (its style rules are off: Prettier formats, see
// .prettierrc.json), unused imports removed, and no code line over 120 characters.
import neostandard from 'neostandard'
import unusedImports from 'eslint-plugin-unused-imports'

export default [
  ...neostandard({
    ts: true,
    noStyle: true,
    ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', 'vendor/**', 'coverage/**', '.tap/**', 'src/db/schema.gen.ts']
  }),
  {
    plugins: { 'unused-imports': unusedImports },
    rules: {
      'unused-imports/no-unused-imports': 'error'
    }
  }
]
