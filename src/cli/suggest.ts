/**
 * The name meant by a mistyped one: the closest of `names` by edit distance (a swap of two
 * neighbouring letters counts as one edit), when it is close enough to be a typo, else
 * undefined.
 * @example
 * nearest('exprot', ['export', 'import']) // 'export'
 */
export function nearest(word: string, names: readonly string[]): string | undefined {
  const typed = word.toLowerCase()
  // A typo changes a letter or two; a name of its own beginning (`mig`) counts too.
  const allowed = Math.max(1, Math.floor(typed.length / 3))
  let best: { name: string; distance: number } | undefined
  for (const name of names) {
    const distance = name.startsWith(typed) && typed.length >= 3 ? 0 : editDistance(typed, name)
    if (distance <= allowed && (best === undefined || distance < best.distance)) {
      best = { name, distance }
    }
  }
  return best?.name
}

/** `; did you mean 'export'?` to end an error message, or nothing when no name is close. */
export const didYouMean = (word: string, names: readonly string[]): string => {
  const name = nearest(word, names)
  return name === undefined ? '' : `; did you mean '${name}'?`
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      }
      rows[i]![j] = d
    }
  }
  return rows[a.length]![b.length]!
}
