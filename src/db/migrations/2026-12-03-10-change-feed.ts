import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * The change feed and webhooks.
 *
 * `events` is an outbox: a change writes its event in its own transaction. Readers page it by a
 * cursor that must follow commit order. SQLite has one writer at a time, so the autoincrement id
 * (never reused, even after a purge) is in commit order already. On PostgreSQL an identity
 * column is not (a transaction that took id 5 may commit after one that took id 6), so events
 * are written with `cursor` null and the function `chatkeep_sequence_events()` hands out
 * cursors afterwards: it takes `event_feed`'s row lock, so one such step runs at a time, and
 * numbers every committed event still without one from `event_feed.head` on. A reader sees a
 * step's cursors all at once, when it commits, and every later step numbers above them.
 *
 * A new message writes `message.created` from a trigger: every insert path (appends, batches,
 * imports) passes through it, in the inserting statement, at no extra round trip.
 *
 * A step that numbered events notifies `chatkeep_events`, so followers on every instance wake.
 *
 * `event_feed.purged_through` is the highest cursor the retention purge removed: a reader still
 * behind it has missed events, and is told so.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = pg ? 'uuid' : 'text'
  const time = pg ? 'timestamptz' : 'text'
  const json = pg ? 'jsonb' : 'text'
  const bool = pg ? 'boolean' : 'integer'

  if (pg) {
    await sql`create table events (
      id bigint generated always as identity primary key,
      cursor bigint,
      type text not null,
      user_id uuid,
      conversation_id uuid,
      message_id uuid,
      at timestamptz not null,
      data jsonb not null default '{}'::jsonb
    )`.execute(db)
    await sql`create unique index events_cursor_key on events (cursor)
      where cursor is not null`.execute(db)
    await sql`create index events_unsequenced_idx on events (id) where cursor is null`.execute(db)
    await sql`create index events_user_cursor_idx on events (user_id, cursor)
      where cursor is not null`.execute(db)
  } else {
    await sql`create table events (
      id integer primary key autoincrement,
      type text not null,
      user_id text,
      conversation_id text,
      message_id text,
      at text not null,
      data text not null default '{}'
    )`.execute(db)
    await sql`create index events_user_cursor_idx on events (user_id, id)`.execute(db)
  }

  await db.schema
    .createTable('event_feed')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('head', 'bigint', (c) => c.notNull())
    .addColumn('purged_through', 'bigint', (c) => c.notNull())
    .addCheckConstraint('event_feed_one_row', sql`id = 1`)
    .execute()
  await sql`insert into event_feed (id, head, purged_through) values (1, 0, 0)`.execute(db)

  if (pg) {
    await sql`create function chatkeep_sequence_events() returns bigint
      language plpgsql as $$
      declare
        first bigint;
        numbered bigint;
      begin
        -- The lock orders the steps; each statement below reads what committed before it.
        select head into first from event_feed where id = 1 for update;
        with waiting as (
          select e.id, row_number() over (order by e.id) as n
          from events e where e.cursor is null order by e.id limit 10000
        )
        update events e set cursor = first + waiting.n from waiting where e.id = waiting.id;
        get diagnostics numbered = row_count;
        if numbered > 0 then
          update event_feed set head = first + numbered where id = 1;
          -- Wakes the feed's followers on every instance (LISTEN chatkeep_events).
          perform pg_notify('chatkeep_events', (first + numbered)::text);
        end if;
        return numbered;
      end $$`.execute(db)
    await sql`create function chatkeep_message_created_events() returns trigger
      language plpgsql as $$
      begin
        insert into events (type, user_id, conversation_id, message_id, at, data)
        select 'message.created', m.user_id, m.conversation_id, m.id, m.created_at,
          jsonb_build_object('role', m.role, 'status', m.status, 'sequence', m.sequence,
            'parent_id', m.parent_id,
            'request_id', m.request_id, 'tokens_used', m.tokens_used,
            'model_version', m.model_version)
        from inserted m order by m.sequence;
        return null;
      end $$`.execute(db)
    await sql`create trigger messages_created_event after insert on messages
      referencing new table as inserted
      for each statement execute function chatkeep_message_created_events()`.execute(db)
  } else {
    await sql`create trigger messages_created_event after insert on messages begin
        insert into events (type, user_id, conversation_id, message_id, at, data)
        values ('message.created', new.user_id, new.conversation_id, new.id, new.created_at,
          json_object('role', new.role, 'status', new.status, 'sequence', new.sequence,
            'parent_id', new.parent_id,
            'request_id', new.request_id, 'tokens_used', new.tokens_used,
            'model_version', new.model_version));
      end`.execute(db)
  }

  await db.schema
    .createTable('webhooks')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('types', json, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('enabled', bool, (c) => c.notNull())
    .addColumn('disabled_reason', 'text')
    // The feed cursor delivered up to: the next event to deliver comes after it.
    .addColumn('cursor', 'bigint', (c) => c.notNull())
    .addColumn('failing_since', time)
    .addColumn('next_attempt_at', time)
    // One delivery worker per endpoint across instances: the instance holding the lease.
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', time)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('webhook_id', id, (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event_cursor', 'bigint', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('ok', bool, (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('at', time, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('webhook_deliveries_webhook_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.dropTable('webhook_deliveries').execute()
  await db.schema.dropTable('webhooks').execute()
  await sql`drop trigger messages_created_event ${pg ? sql`on messages` : sql``}`.execute(db)
  if (pg) {
    await sql`drop function chatkeep_message_created_events()`.execute(db)
    await sql`drop function chatkeep_sequence_events()`.execute(db)
  }
  await db.schema.dropTable('event_feed').execute()
  await db.schema.dropTable('events').execute()
}
