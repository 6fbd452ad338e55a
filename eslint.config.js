// Lint: neostandard's rules for correctness (its style rules are off: Prettier formats, see
// .prettierrc.json), unused imports removed, and no code line over 120 characters.
import neostandard from 'neostandard'
import unusedImports from 'eslint-plugin-unused-imports'

export default [
  ...neostandard({
    ts: true,
    noStyle: true,
    ignores: [
      'dist/**',
      'node_modules/**',
      'test-artifacts/**',
      'vendor/**',
      'coverage/**',
      '.tap/**',
      'src/db/schema.gen.ts'
    ]
  }),
  {
    plugins: { 'unused-imports': unusedImports },
    rules: {
      'unused-imports/no-unused-imports': 'error',
      // Prettier may put a one-statement `if` body on its own line (eslint-config-prettier turns it off too)
      curly: 'off',
      // Prettier wraps code at 120; a message in Polish, a URL or a pattern is not broken mid-way
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }
      ],
      // untrusted text (Allegro, KSeF, forms) is cleaned of control characters on purpose
      'no-control-regex': 'off',
      // `void promise` marks background work whose errors are handled where it runs
      'no-void': ['error', { allowAsStatement: true }],
      // a labelled break leaves nested loops of a paged download in one step
      'no-labels': ['error', { allowLoop: true }]
    }
  }
]
