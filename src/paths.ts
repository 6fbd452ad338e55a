import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The code runs from src/ under tests and from dist/src/ in production; views,
// migrations and public files stay at the project root in both cases.
function findProjectRoot(start: string): string {
  let dir = start
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above ' + start)
    dir = parent
  }
  return dir
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)))
export const viewsDir = join(projectRoot, 'views')
export const publicDir = join(projectRoot, 'public')
export const migrationsDir = join(projectRoot, 'migrations')
/** the official JPK schemas and dictionaries (the JPK files and the tax office list read them) */
export const JPK_VENDOR_DIR = join(projectRoot, 'vendor', 'jpk')
