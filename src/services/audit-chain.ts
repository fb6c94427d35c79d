import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import {
  actorDigest,
  chainHead,
  countUnsealed,
  GENESIS_HASH,
  linkHash,
  sealedRowsAfter,
  sealRow,
  unsealedRows,
} from '../repositories/audit-chain.js'

const SEAL_BATCH = 500
const VERIFY_PAGE = 1000
/** Problems listed at most; the count goes on. */
const MAX_PROBLEMS = 100

/** Another sealer took the rows first: this one's view of the chain is stale. */
const sealRace = () =>
  new ChatkeepError('conflict', 'Another instance sealed these audit rows first; nothing to do.')

/**
 * Seals the rows written since the last seal onto the chain, in batches of one transaction
 * each: a row's place is the order it is sealed in, so a row that commits late is simply
 * sealed later. Two sealers (two instances) never share a place: the loser's transaction finds
 * its rows taken, rolls back and stops; the winner has sealed them. Returns the rows sealed.
 */
export async function sealAuditLog(db: Database): Promise<number> {
  let sealed = 0
  for (;;) {
    let batch: number
    try {
      batch = await db.transaction(async (tx) => {
        const rows = await unsealedRows(tx, SEAL_BATCH)
        let { chain_seq, hash } = await chainHead(tx)
        for (const row of rows) {
          chain_seq += 1
          const actor_digest = actorDigest(row.user_id)
          hash = linkHash(tx, hash, row, chain_seq, actor_digest)
          if (!(await sealRow(tx, row.id, { chain_seq, actor_digest, hash }))) throw sealRace()
        }
        return rows.length
      })
    } catch (error) {
      // Lost to another sealer: by a row taken, or by the place it took first.
      if (error instanceof ChatkeepError && error.code === 'conflict') return sealed
      throw error
    }
    sealed += batch
    if (batch < SEAL_BATCH) return sealed
  }
}

export interface AuditProblem {
  /** `changed`: the row's fields no longer give its hash; `missing`: rows of the chain are gone;
   * `actor_changed`: user_id is not the actor the row was sealed with; `head_missing`: the head
   * given to check against is not in the chain (rows at its end were removed or rewritten). */
  problem: 'changed' | 'missing' | 'actor_changed' | 'head_missing'
  chain_seq: number
  /** The row's id, when there is one; for `missing`, the places that are gone. */
  id?: string
  missing_to?: number
}

export interface AuditVerification {
  ok: boolean
  /** Rows checked on the chain. */
  sealed: number
  /** Rows written since the last seal: not on the chain yet, so not covered. */
  unsealed: number
  /** The chain's end: keep it outside the database, and check it later with `head`. */
  head: { chain_seq: number; hash: string }
  problems: AuditProblem[]
  problem_count: number
}

/**
 * Walks the chain in order and recomputes every link. A changed row breaks its own link (the
 * next is checked from its stored hash, so one change is one problem); removed rows leave a gap
 * in the places; rows removed from the end are caught by `head`, a chain end recorded earlier.
 */
export async function verifyAuditLog(
  db: Database,
  options: { head?: { chain_seq: number; hash: string } } = {},
): Promise<AuditVerification> {
  const problems: AuditProblem[] = []
  let problem_count = 0
  const report = (problem: AuditProblem) => {
    problem_count += 1
    if (problems.length < MAX_PROBLEMS) problems.push(problem)
  }
  let previous = { chain_seq: 0, hash: GENESIS_HASH }
  let sealed = 0
  let headSeen = options.head === undefined || options.head.chain_seq === 0
  for (;;) {
    const rows = await sealedRowsAfter(db, previous.chain_seq, VERIFY_PAGE)
    for (const row of rows) {
      const chain_seq = Number(row.chain_seq)
      const gap = chain_seq !== previous.chain_seq + 1
      // After a gap the link cannot be checked (its previous row is gone): the gap is reported.
      if (gap) {
        report({ problem: 'missing', chain_seq: previous.chain_seq + 1, missing_to: chain_seq - 1 })
      } else if (linkHash(db, previous.hash, row, chain_seq, row.actor_digest) !== row.hash) {
        report({ problem: 'changed', chain_seq, id: row.id })
      }
      if (row.user_id !== null && actorDigest(row.user_id) !== row.actor_digest) {
        report({ problem: 'actor_changed', chain_seq, id: row.id })
      }
      if (options.head?.chain_seq === chain_seq) headSeen = options.head.hash === row.hash
      previous = { chain_seq, hash: row.hash ?? '' }
      sealed += 1
    }
    if (rows.length < VERIFY_PAGE) break
  }
  if (!headSeen) report({ problem: 'head_missing', chain_seq: options.head!.chain_seq })
  return {
    ok: problem_count === 0,
    sealed,
    unsealed: await countUnsealed(db),
    head: previous,
    problems,
    problem_count,
  }
}
