import { Type } from '@sinclair/typebox'

/** The schema, or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

/** A string of at most `maxLength` characters, or null. */
export const NullableText = (maxLength: number) => Nullable(Type.String({ maxLength }))
