/** A timeout for a Polish message: 15000 → "15 s", 2500 → "2,5 s". */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000
  return `${String(seconds).replace('.', ',')} s`
}
