/**
 * Authenticating many requests at once: on PostgreSQL their session reads share round trips
 * (SessionReader). Each must still see its own session as it is when the request arrives: a
 * revoked session or a deactivated user is refused at once, the others pass, each as its user.
 */
import { beforeAll, expect, it } from 'vitest'
import { isChatkeepError } from '../../src/index.js'
import { AuthService } from '../../src/services/auth.js'
import { describeEachEngine } from '../support/engines.js'

describeEachEngine('concurrent authentication', (ctx) => {
  let auth: AuthService

  beforeAll(async () => {
    auth = await AuthService.open(ctx.store, { access_token_ttl_s: 600, refresh_token_ttl_s: 3600 })
  })

  const register = (name: string) =>
    auth.register({ username: `${name}_${ctx.engine}`, password: 'correct horse battery' })

  it('answers each request for its own session, and refuses a revoked one at once', async () => {
    const people = await Promise.all(['ann', 'ben', 'cat', 'dan'].map(register))
    const [ann, ben, cat, dan] = people
    await auth.revokeSession(ben!.user.id, (await auth.authenticate(ben!.access_token)).session_id!)
    await ctx.store.users.update(dan!.user.id, { is_active: false })
    // Many at once, interleaved: each person's token four times.
    const asked = Array.from({ length: 4 }, () => people).flat()
    const settled = await Promise.allSettled(asked.map((p) => auth.authenticate(p.access_token)))
    settled.forEach((outcome, i) => {
      const person = asked[i]!
      if (person === ann || person === cat) {
        expect(outcome.status).toBe('fulfilled')
        const principal = (outcome as PromiseFulfilledResult<{ user_id: string }>).value
        expect(principal.user_id).toBe(person.user.id)
      } else {
        expect(outcome.status).toBe('rejected')
        const reason = (outcome as PromiseRejectedResult).reason
        expect(isChatkeepError(reason, 'unauthorized')).toBe(true)
      }
    })
    // Revoking while others are being read: the very next request sees it.
    const session = (await auth.authenticate(cat!.access_token)).session_id!
    const before = auth.authenticate(ann!.access_token)
    await auth.revokeSession(cat!.user.id, session)
    const [annAgain, catAgain] = await Promise.allSettled([
      before,
      auth.authenticate(cat!.access_token),
    ])
    expect(annAgain.status).toBe('fulfilled')
    expect(catAgain.status).toBe('rejected')
  })
})
