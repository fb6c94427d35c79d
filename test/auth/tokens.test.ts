import { describe, expect, it } from 'vitest'
import { AccessTokens } from '../../src/auth/tokens.js'
import { isChatkeepError } from '../../src/index.js'

const SECRET = 'a-secret-of-at-least-thirty-two-characters!'
const CLAIMS = {
  user_id: '0190a5f0-0000-7000-8000-000000000001',
  session_id: '0190a5f0-0000-7000-8000-000000000002',
  role: 'user' as const,
}

async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    expect(isChatkeepError(error, 'unauthorized')).toBe(true)
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('access tokens, verified once and remembered', () => {
  it('answers the same claims for a token seen before', async () => {
    const tokens = new AccessTokens(SECRET, 60)
    const { token, jti } = await tokens.sign(CLAIMS)
    const first = await tokens.verify(token)
    expect(first).toEqual({ ...CLAIMS, jti })
    expect(await tokens.verify(token)).toEqual(first)
  })

  it('refuses a remembered token once it expires, as jose does', async () => {
    let now = Date.UTC(2026, 10, 25, 12, 0, 0)
    const tokens = new AccessTokens(SECRET, 60, () => now)
    const { token } = await tokens.sign(CLAIMS)
    await tokens.verify(token)
    now += 59_999
    await tokens.verify(token)
    // exp is iat + 60 s: at exp it has expired (jose's `exp <= now`).
    now += 1
    expect(await refused(tokens.verify(token))).toMatch(/expired/)
    // Still refused, and back in date again if the clock goes back.
    expect(await refused(tokens.verify(token))).toMatch(/expired/)
    now -= 1
    await tokens.verify(token)
  })

  it('refuses a tampered copy or another key, whatever it remembers', async () => {
    const tokens = new AccessTokens(SECRET, 60)
    const { token } = await tokens.sign(CLAIMS)
    await tokens.verify(token)
    const [header, payload, signature] = token.split('.')
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BA' : 'AA'}`
    await refused(tokens.verify(`${header}.${payload}.${flipped}`))
    await refused(tokens.verify(`${header}.${payload}x.${signature}`))
    const other = new AccessTokens(`${SECRET}-other`, 60)
    await refused(other.verify(token))
    const forged = (await other.sign(CLAIMS)).token
    await refused(tokens.verify(forged))
  })

  it('keeps verifying once many tokens have been remembered', async () => {
    const tokens = new AccessTokens(SECRET, 60)
    const signed = await Promise.all(Array.from({ length: 5000 }, () => tokens.sign(CLAIMS)))
    for (const { token, jti } of signed) expect((await tokens.verify(token)).jti).toBe(jti)
    // The oldest were forgotten to make room; verifying them again still works.
    expect((await tokens.verify(signed[0]!.token)).jti).toBe(signed[0]!.jti)
  })
})
