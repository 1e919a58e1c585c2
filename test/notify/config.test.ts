import { describe, expect, it } from 'vitest';
import { parsed, problems } from '../core/config/helpers.ts';

describe('notify in config.json ([operate] 5)', () => {
  it('is off by default: no channel, the unreachable alert after 300 s', () => {
    expect(parsed({}).notify).toEqual({ exchange_unreachable_after_s: 300, outbox_retention_days: 30 });
  });

  it('fills the channel defaults and keeps a numeric chat id as text', () => {
    const n = parsed({ notify: { telegram: { chat_id: -1001234567890 }, webhook: { url: 'https://example.com/hook' } } }).notify;
    expect(n.telegram).toEqual({ chat_id: '-1001234567890', events: ['entry', 'tp', 'stop', 'exit', 'risk', 'alert'], min_interval_ms: 1000, api_root: 'https://api.telegram.org', commands: true });
    expect(n.webhook).toEqual({ url: 'https://example.com/hook', events: ['entry', 'tp', 'stop', 'exit', 'risk', 'alert'], min_interval_ms: 0, timeout_ms: 10_000 });
    expect(parsed({ notify: { telegram: { chat_id: '@ladder_alerts', events: ['exit', 'alert'] } } }).notify.telegram).toMatchObject({ chat_id: '@ladder_alerts', events: ['exit', 'alert'] });
  });

  it('names the key and what is wrong', () => {
    expect(problems({ notify: { telegram: {} } })).toHaveLength(1);
    expect(problems({ notify: { telegram: {} } })[0]).toMatch(/^notify\.telegram\.chat_id: /);
    expect(problems({ notify: { telegram: { chat_id: 'my chat' } } })).toEqual(['notify.telegram.chat_id: must be a numeric chat id like "-1001234567890" or a channel name like "@my_channel"']);
    expect(problems({ notify: { telegram: { chat_id: '1', min_interval_ms: 200 } } })[0]).toMatch(/^notify\.telegram\.min_interval_ms: /);
    expect(problems({ notify: { telegram: { chat_id: '1', events: ['tp', 'tp'] } } })).toEqual(['notify.telegram.events: lists an event twice']);
    expect(problems({ notify: { telegram: { chat_id: '1', events: ['fills'] } } })[0]).toMatch(/^notify\.telegram\.events\[0\]: /);
    expect(problems({ notify: { webhook: { url: 'ftp://example.com' } } })).toEqual(['notify.webhook.url: must be an http(s) URL like "https://example.com/ladder"']);
    expect(problems({ notify: { webhook: { url: 'https://user:pw@example.com/x' } } })).toEqual(['notify.webhook.url: must not carry a user or password: the signing secret comes from LADDER_NOTIFY_WEBHOOK_SECRET']);
    expect(problems({ notify: { exchange_unreachable_after_s: 0 } })[0]).toMatch(/^notify\.exchange_unreachable_after_s: /);
    expect(problems({ notify: { outbox_retention_days: 0 } })[0]).toMatch(/^notify\.outbox_retention_days: /);
  });

  it('has no place for a secret: a token key is an unknown key', () => {
    const lines = problems({ notify: { telegram: { chat_id: '1', token: '123456:ABC-secret-token' } } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^notify\.telegram/);
    expect(lines.join('\n')).not.toContain('ABC-secret-token');
  });
});
