import type { Renderer } from './render.js'

/**
 * The conversation and its messages exactly as the API hands them out, one message a line so a
 * large file stays readable with line tools:
 *
 * {"exported_at":"…","conversation":{…},"messages":[
 * {…},
 * {…}
 * ],"message_count":2}
 */
export const jsonRenderer: Renderer = {
  extension: 'json',
  content_type: 'application/json; charset=utf-8',
  head: (conversation, exported_at) =>
    `{"exported_at":${JSON.stringify(exported_at)},"conversation":${JSON.stringify(conversation)},"messages":[`,
  message: (message, index) => `${index === 0 ? '\n' : ',\n'}${JSON.stringify(message)}`,
  tail: (count) => `${count === 0 ? '' : '\n'}],"message_count":${count}}\n`,
}
