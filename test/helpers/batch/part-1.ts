// one batch of npm test: see run-part.ts
import { runPart } from './run-part.ts'
await runPart(import.meta.filename)
