import type { FastifyInstance } from 'fastify'
import type { Store, User } from '../../src/index.js'
import { type AppOptions, buildApp } from '../../src/server/app.js'
import { AuthService } from '../../src/services/auth.js'

/** The three callers every server test has: two users and an admin. */
export type Caller = 'alice' | 'bob' | 'admin'

export interface TestApp {
  app: FastifyInstance
  auth: AuthService
  users: Record<Caller, User>
  /** `Authorization` header of a caller. */
  as(caller: Caller): { authorization: string }
}

let counter = 0

/**
 * The HTTP app over `store`, with three users registered through the real AuthService and
 * logged in: their access tokens go in `Authorization`. `options` are buildApp's others.
 */
export async function testApp(
  store: Store,
  options: Omit<AppOptions, 'store' | 'auth'> = {},
): Promise<TestApp> {
  counter += 1
  const suffix = `${process.pid}_${counter}`
  const auth = await AuthService.open(store, {
    access_token_ttl_s: 3600,
    refresh_token_ttl_s: 86_400,
    jwt_secret: 'test-secret-of-at-least-thirty-two-characters',
  })
  const register = (name: string) =>
    auth.register({ username: `${name}_${suffix}`, password: 'correct horse battery' })
  const alice = await register('alice')
  const bob = await register('bob')
  const admin = await register('admin')
  await store.users.update(admin.user.id, { role: 'admin' })
  const tokens: Record<Caller, string> = {
    alice: alice.access_token,
    bob: bob.access_token,
    admin: admin.access_token,
  }
  const app = await buildApp({ ...options, store, auth })
  await app.ready()
  return {
    app,
    auth,
    users: { alice: alice.user, bob: bob.user, admin: await store.users.get(admin.user.id) },
    as: (caller) => ({ authorization: `Bearer ${tokens[caller]}` }),
  }
}
