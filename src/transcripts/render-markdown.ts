import type { Conversation, Message } from '../schemas/data.js'
import type { Renderer } from './render.js'

/** One line of text for a heading or a list item: line breaks would end it early. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim()

function head(conversation: Conversation, exported_at: string): string {
  const title = oneLine(conversation.title ?? '') || 'Untitled conversation'
  return [
    `# ${title}`,
    '',
    `- Conversation: \`${conversation.id}\` (short id \`${conversation.short_id}\`)`,
    `- Status: ${conversation.status} · origin: ${oneLine(conversation.origin)}`,
    `- Created: ${conversation.created_at} · last activity: ${conversation.last_activity}`,
    `- Exported: ${exported_at}`,
    '',
    '',
  ].join('\n')
}

/**
 * A code fence the content opens and never closes would swallow every message after it; it is
 * closed at the end of the content.
 */
function closeFences(content: string): string {
  const fences = content.split('\n').filter((line) => /^\s{0,3}(```|~~~)/.test(line))
  const last = fences
    .at(-1)
    ?.trim()
    .match(/^(`{3,}|~{3,})/)?.[1]
  const open = fences.length % 2 === 1 && last !== undefined ? `${last}\n` : ''
  return `${content.endsWith('\n') ? content : `${content}\n`}${open}`
}

/**
 * Each message: a rule, a heading with its number, role and time, then its content as written.
 * The blank line after the content keeps the next rule from turning its last line into a heading.
 */
function message(m: Message): string {
  const details = [
    // A live reply still streaming, or cut short, says so; a complete message says nothing.
    m.status === 'complete' ? undefined : m.status,
    m.model_version === null ? undefined : `model ${oneLine(m.model_version)}`,
    m.tokens_used > 0 ? `${m.tokens_used} tokens` : undefined,
    m.feedback === null ? undefined : `feedback ${m.feedback > 0 ? '+1' : '-1'}`,
  ].filter((detail) => detail !== undefined)
  const meta = details.length === 0 ? '' : `_${details.join(' · ')}_\n\n`
  return `---\n\n## ${m.sequence}. ${m.role} · ${m.created_at}\n\n${meta}${closeFences(m.content)}\n`
}

/** A readable document: title, the conversation's details, then every message in order. */
export const markdownRenderer: Renderer = {
  extension: 'md',
  content_type: 'text/markdown; charset=utf-8',
  head,
  message,
  tail: (count) => `---\n\n_${count} message${count === 1 ? '' : 's'}._\n`,
}
