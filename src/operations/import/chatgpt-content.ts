import { isRecord, type JsonRecord } from './fields.js'

/** A ChatGPT message's content as Chatkeep stores it: readable text, and what text cannot hold. */
export interface RenderedContent {
  content_type: string
  text: string
  /** Parts that are not text (images, audio, files), kept as they were for metadata. */
  attachments: JsonRecord[]
}

/**
 * Turns a ChatGPT `content` object into text. `text` and `multimodal_text` parts join with blank
 * lines; an image part reads `[image: asset-pointer WxH]` and an audio one its transcript (or
 * `[audio]`), and the part itself goes to `attachments`; `code` becomes a fenced block in its
 * language; `execution_output`, `tether_quote`, `tether_browsing_display`, `system_error`,
 * `reasoning_recap`, `thoughts`, `user_editable_context` and `model_editable_context` give their
 * text fields. An unknown type gives its `parts` or `text`, else nothing (and the message is
 * skipped as empty).
 */
export function renderContent(content: unknown): RenderedContent {
  if (!isRecord(content)) return { content_type: 'unknown', text: '', attachments: [] }
  const type = typeof content.content_type === 'string' ? content.content_type : 'unknown'
  const attachments: JsonRecord[] = []
  const str = (v: unknown) => (typeof v === 'string' ? v : '')
  const joined = (...pieces: string[]) => pieces.filter((p) => p.trim() !== '').join('\n\n')
  let text: string
  switch (type) {
    case 'code': {
      const language = str(content.language) === 'unknown' ? '' : str(content.language)
      text = str(content.text) === '' ? '' : `\`\`\`${language}\n${str(content.text)}\n\`\`\``
      break
    }
    case 'tether_quote':
      text = joined(
        [str(content.title), str(content.url)].filter(Boolean).join(' — '),
        str(content.text)
          .split('\n')
          .map((line) => `> ${line}`)
          .join('\n'),
      )
      break
    case 'tether_browsing_display':
      text = joined(str(content.result), str(content.summary))
      break
    case 'system_error':
      text = joined(`${str(content.name) || 'Error'}: ${str(content.text)}`)
      break
    case 'thoughts':
      text = joined(
        ...(Array.isArray(content.thoughts) ? content.thoughts : []).map((t) =>
          isRecord(t) ? joined(str(t.summary), str(t.content)) : '',
        ),
      )
      break
    case 'user_editable_context':
      text = joined(str(content.user_profile), str(content.user_instructions))
      break
    case 'model_editable_context':
      text = str(content.model_set_context)
      break
    case 'reasoning_recap':
      text = str(content.content)
      break
    default:
      text = Array.isArray(content.parts)
        ? joined(...content.parts.map((part) => renderPart(part, attachments)))
        : str(content.text)
  }
  return { content_type: type, text, attachments }
}

function renderPart(part: unknown, attachments: JsonRecord[]): string {
  if (typeof part === 'string') return part
  if (!isRecord(part)) return ''
  const type = typeof part.content_type === 'string' ? part.content_type : 'part'
  if (type === 'audio_transcription') return typeof part.text === 'string' ? part.text : ''
  attachments.push(part)
  if (type === 'image_asset_pointer') {
    const size =
      typeof part.width === 'number' && typeof part.height === 'number'
        ? ` ${part.width}×${part.height}`
        : ''
    return `[image: ${typeof part.asset_pointer === 'string' ? part.asset_pointer : 'attached'}${size}]`
  }
  if (type.startsWith('audio')) return '[audio]'
  return `[${type}]`
}
