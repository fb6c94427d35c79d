import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  type SqlBool,
  sql,
} from 'kysely'
import type { Database } from '../db/database.js'
import type { LegalHoldsTable, Schema } from '../db/schema.js'
import type { LegalHold } from '../schemas/retention.js'

export type LegalHoldRow = Selectable<LegalHoldsTable>

export const decodeLegalHold = (row: LegalHoldRow): LegalHold => ({ ...row })

export async function insertLegalHold(
  db: Database,
  row: Insertable<LegalHoldsTable>,
): Promise<LegalHoldRow> {
  return db.kysely.insertInto('legal_holds').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function listLegalHolds(
  db: Database,
  filter: { active: boolean; user_id?: string | undefined; conversation_id?: string | undefined },
): Promise<LegalHoldRow[]> {
  let q = db.kysely
    .selectFrom('legal_holds')
    .selectAll()
    .where('released_at', filter.active ? 'is' : 'is not', null)
  if (filter.user_id !== undefined) q = q.where('user_id', '=', filter.user_id)
  if (filter.conversation_id !== undefined) {
    q = q.where('conversation_id', '=', filter.conversation_id)
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()
}

export async function getLegalHold(db: Database, id: string): Promise<LegalHoldRow | undefined> {
  return db.kysely.selectFrom('legal_holds').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Ends a hold in force; undefined when it is missing or already released. */
export async function releaseLegalHold(
  db: Database,
  id: string,
  at: string,
  by: string | null,
): Promise<LegalHoldRow | undefined> {
  return db.kysely
    .updateTable('legal_holds')
    .set({ released_at: at, released_by: by })
    .where('id', '=', id)
    .where('released_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

/**
 * True for a `conversations` row that a hold in force covers: the conversation itself or its
 * user. In every purge's where clause, so nothing held is ever selected for removal.
 */
export function conversationHeld() {
  return sql<boolean>`exists (select 1 from legal_holds h where h.released_at is null and (h.conversation_id = ${sql.ref(
    'conversations.id',
  )} or h.user_id = ${sql.ref('conversations.user_id')}))`
}

/** The same for a `documents` row: its owner is held. */
export function documentHeld(eb: ExpressionBuilder<Schema, 'documents'>) {
  return eb.exists(
    eb
      .selectFrom('legal_holds')
      .select('legal_holds.id')
      .where('legal_holds.released_at', 'is', null)
      .whereRef('legal_holds.user_id', '=', 'documents.user_id'),
  )
}

/** The oldest hold in force that `covers` picks out, if any. */
function firstActiveHold(
  db: Database,
  covers: (eb: ExpressionBuilder<Schema, 'legal_holds'>) => Expression<SqlBool>,
): Promise<LegalHoldRow | undefined> {
  return db.kysely
    .selectFrom('legal_holds')
    .selectAll()
    .where('released_at', 'is', null)
    .where(covers)
    .orderBy('created_at')
    .executeTakeFirst()
}

/** The hold in force on this conversation or on its user, if any. */
export function holdOnConversation(
  db: Database,
  conversation_id: string,
): Promise<LegalHoldRow | undefined> {
  return firstActiveHold(db, (eb) =>
    eb.or([
      eb('conversation_id', '=', conversation_id),
      eb(
        'user_id',
        '=',
        eb.selectFrom('conversations').select('user_id').where('id', '=', conversation_id),
      ),
    ]),
  )
}

/** The hold in force on this user or on any conversation of theirs, if any. */
export function holdOnUser(db: Database, user_id: string): Promise<LegalHoldRow | undefined> {
  return firstActiveHold(db, (eb) =>
    eb.or([
      eb('user_id', '=', user_id),
      eb(
        'conversation_id',
        'in',
        eb.selectFrom('conversations').select('id').where('user_id', '=', user_id),
      ),
    ]),
  )
}

/**
 * Released holds naming the user, removed with the user: what is theirs goes, and the audit
 * trail keeps that the hold was placed and released.
 */
export async function deleteReleasedHoldsOfUser(db: Database, user_id: string): Promise<void> {
  await db.kysely
    .deleteFrom('legal_holds')
    .where('user_id', '=', user_id)
    .where('released_at', 'is not', null)
    .execute()
}
