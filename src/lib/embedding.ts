import { ChatkeepError } from '../errors.js'

/** Embeddings are stored as little-endian float32 bytes: 4 bytes a dimension on both engines. */
export function encodeEmbedding(values: readonly number[]): Buffer {
  const bytes = Buffer.allocUnsafe(values.length * 4)
  values.forEach((value, i) => bytes.writeFloatLE(value, i * 4))
  return bytes
}

/** An embedding as stored, refused (naming `field`) unless every number is finite. */
export function finiteEmbedding(values: readonly number[], field: string): Buffer {
  if (!values.every(Number.isFinite)) {
    throw new ChatkeepError('validation_failed', `${field}: must be finite numbers.`, { field })
  }
  return encodeEmbedding(values)
}

export function decodeEmbedding(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes)
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4)
}
