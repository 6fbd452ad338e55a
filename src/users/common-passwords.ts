import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../paths.ts'

// ASVS 2.1.7: passwords are checked against a list of breached and common ones, shipped with the
// app (no call to an outside service). vendor/common-passwords/passwords.txt is the 10 000 most
// frequent entries of the ranked list in @zxcvbn-ts/language-common 4.1.3 (passwords.json, MIT,
// licence next to the file), plus every entry of that list with 12 or more characters (the only
// ones that can pass the length rule), lower-cased.
let list: Set<string> | null = null

function commonPasswords(): Set<string> {
  list ??= new Set(
    readFileSync(join(projectRoot, 'vendor/common-passwords/passwords.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
  )
  return list
}

/** case-insensitive: "Password1234" is as guessable as "password1234" */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase())
}
