import { pbkdf2Sync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  checkPasswordLength,
  hashPassword,
  needsRehash,
  PASSWORD_LENGTH,
  verifyPassword,
} from '../../src/auth/passwords.js'
import { isChatkeepError } from '../../src/errors.js'

// Made by other systems, not by our code: Python's hashlib, passlib's own test vector, Werkzeug 3.
const PHC_PBKDF2 = {
  password: 'pässwörd-42',
  hash: '$pbkdf2-sha256$i=100000$AAECAwQFBgcICQoLDA0ODw$FSt/I3dxF2rMbcSAiC6NA+OMAQCUyozrfVA6YjyGyCA',
}
const PASSLIB = {
  password: 'password',
  hash: '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ',
}
const WERKZEUG = {
  password: 'correct horse',
  hash: 'pbkdf2:sha256:100000$6b4OAEBWGQ5aTdWV$9f08513d88463f9580874d73c358b8b1c62559b06868ca45bbcd7c4237ca97e7',
}

const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '')

describe('passwords', () => {
  it('hashes new passwords as argon2id PHC strings at m=19456, t=2, p=1, salted', async () => {
    const a = await hashPassword('correct horse battery')
    const b = await hashPassword('correct horse battery')
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('correct horse battery', a)).toBe(true)
    expect(await verifyPassword('correct horse batterY', a)).toBe(false)
    expect(needsRehash(a)).toBe(false)
  })

  it.each([
    ['PHC-style PBKDF2 (hashlib)', PHC_PBKDF2],
    ['passlib pbkdf2_sha256', PASSLIB],
    ['Werkzeug pbkdf2:sha256', WERKZEUG],
  ])('verifies %s hashes and asks for a re-hash', async (_name, vector) => {
    expect(await verifyPassword(vector.password, vector.hash)).toBe(true)
    expect(await verifyPassword(`${vector.password}x`, vector.hash)).toBe(false)
    expect(await verifyPassword('', vector.hash)).toBe(false)
    expect(needsRehash(vector.hash)).toBe(true)
  })

  it('verifies PBKDF2 made here too: padded base64, an explicit key length', async () => {
    const salt = Buffer.from('0123456789abcdef')
    const derived = pbkdf2Sync('s3cret-pass', salt, 1000, 32, 'sha256')
    const padded = `$pbkdf2-sha256$i=1000$${salt.toString('base64')}$${derived.toString('base64')}`
    const withLength = `$pbkdf2-sha256$i=1000,l=32$${b64(salt)}$${b64(derived)}`
    expect(await verifyPassword('s3cret-pass', padded)).toBe(true)
    expect(await verifyPassword('s3cret-pass', withLength)).toBe(true)
  })

  it('refuses malformed or hostile stored hashes instead of throwing', async () => {
    const salt = b64(Buffer.from('0123456789abcdef'))
    const digest = b64(pbkdf2Sync('pw-pw-pw-pw', Buffer.from('0123456789abcdef'), 1, 32, 'sha256'))
    for (const stored of [
      '',
      'plaintext',
      '$argon2id$v=19$m=19456,t=2,p=1$garbage',
      '$pbkdf2-sha256$i=0$' + salt + '$' + digest,
      '$pbkdf2-sha256$i=99999999999$' + salt + '$' + digest, // would stall the server
      '$pbkdf2-sha256$i=1$$' + digest,
      '$pbkdf2-sha256$i=1$' + salt + '$!!!',
      '$pbkdf2-sha512$i=1$' + salt + '$' + digest,
      '$pbkdf2-sha256$i=1$' + salt + '$' + b64(Buffer.alloc(8)), // too short a digest
      'pbkdf2:sha256:1000$salt$nothex',
      'pbkdf2:sha256$salt$00ff', // Werkzeug without iterations: its default changed over versions
      '$2b$12$abcdefghijklmnopqrstuuR5xqPbZbE1nzRr.5nVV6NUUXUK6Km2a', // bcrypt: not supported
    ]) {
      expect(await verifyPassword('pw-pw-pw-pw', stored), stored).toBe(false)
      expect(needsRehash(stored)).toBe(true)
    }
    expect(await verifyPassword('pw-pw-pw-pw', null)).toBe(false)
  })

  it('compares digests of a different length as a mismatch', async () => {
    const salt = Buffer.from('0123456789abcdef')
    const derived = pbkdf2Sync('pw-pw-pw-pw', salt, 10, 64, 'sha256')
    const stored = `$pbkdf2-sha256$i=10$${b64(salt)}$${b64(derived)}`
    expect(await verifyPassword('pw-pw-pw-pw', stored)).toBe(true)
    expect(await verifyPassword('pw-pw-pw-px', stored)).toBe(false)
  })

  it('re-hashes argon2 below the policy, or not argon2id', async () => {
    const { hash } = await import('@node-rs/argon2')
    const weak = await hash('some password', { memoryCost: 4096, timeCost: 3, parallelism: 1 })
    expect(await verifyPassword('some password', weak)).toBe(true)
    expect(needsRehash(weak)).toBe(true)
    const argon2i = await hash('some password', {
      algorithm: 1,
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    })
    expect(await verifyPassword('some password', argon2i)).toBe(true)
    expect(needsRehash(argon2i)).toBe(true)
    const stronger = await hash('some password', { memoryCost: 65536, timeCost: 3, parallelism: 1 })
    expect(needsRehash(stronger)).toBe(false)
  })

  it('limits length to 8–256 characters, counted as characters, not UTF-16 units', async () => {
    const refuse = (password: string, options?: { min?: boolean }) => {
      try {
        checkPasswordLength(password, options)
      } catch (error) {
        expect(isChatkeepError(error, 'validation_failed')).toBe(true)
        expect((error as { field?: string }).field).toBe('/password')
        return (error as Error).message
      }
      return undefined
    }
    expect(refuse('1234567')).toMatch(/at least 8/)
    expect(refuse('12345678')).toBeUndefined()
    expect(refuse('1234567', { min: false })).toBeUndefined()
    expect(refuse('x'.repeat(PASSWORD_LENGTH.max))).toBeUndefined()
    expect(refuse('x'.repeat(PASSWORD_LENGTH.max + 1))).toMatch(/at most 256/)
    expect(refuse('x'.repeat(PASSWORD_LENGTH.max + 1), { min: false })).toMatch(/at most 256/)
    // 256 emoji are 512 UTF-16 units and still 256 characters.
    expect(refuse('😀'.repeat(256))).toBeUndefined()
    expect(refuse('😀'.repeat(257))).toMatch(/at most 256/)
    await expect(hashPassword('x'.repeat(257))).rejects.toMatchObject({ code: 'validation_failed' })
    expect(await verifyPassword('x'.repeat(257), await hashPassword('x'.repeat(256)))).toBe(false)
  })

  it('takes about as long for a missing hash as for a wrong password', async () => {
    const stored = await hashPassword('the right password')
    await verifyPassword('warm up', null)
    const time = async (hash: string | null) => {
      const start = performance.now()
      await verifyPassword('a wrong password', hash)
      return performance.now() - start
    }
    // Interleaved, so that load on the machine weighs on both alike; compared by median.
    const wrong: number[] = []
    const missing: number[] = []
    for (let i = 0; i < 7; i++) {
      wrong.push(await time(stored))
      missing.push(await time(null))
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[3]!
    // The same argon2id work either way: a shortcut would answer in microseconds.
    expect(median(missing)).toBeGreaterThan(median(wrong) * 0.3)
    expect(median(missing)).toBeLessThan(median(wrong) * 4)
  })
})
