/**
 * The words of a trader's once-only alert for a person (notifications, [operate] 5): its log event
 * name and its key (what makes it once-only) as a sentence. An event without its own words is said
 * as it is logged.
 */
export function alertText(event: string, key: string): string {
  const after = (prefix: string) => (key.startsWith(prefix) ? key.slice(prefix.length) : key);
  switch (event) {
    case 'strategy.failed':
      return `the strategy threw on a candle: ${after('strategy:')} (no entry on that candle; open positions are managed as before)`;
    case 'close.gave_up':
      return `the rest of ${after('close:')} could not be closed at market after several attempts (thin liquidity?); its exchange stop still protects it`;
    case 'close.refused':
      return `the exchange refused the market close of ${after('close-refused:')}: Ladder sends it again with a back-off (1 s, doubling up to 30 s) and says so if it gives up`;
    case 'entry.refused':
      return `the exchange refused an entry (${after('entry-refused:')}): that signal is not traded; later signals are tried as usual (said once per kind of refusal)`;
    case 'commands.runaway':
      return `too many orders in one cycle for ${after('runaway:')}: the rest were dropped and the position is read again`;
    case 'position.larger_on_exchange':
      return `the exchange holds more than Ladder's position ${after('position.larger_on_exchange:')}: the extra is not managed by the ladder`;
    case 'stop.closed_more_than_held':
      return `the exchange stop closed more than Ladder's position held (trade ${after('stop.closed_more:')}): the extra had been added outside Ladder; Ladder booked its own part as the stop exit`;
    case 'adopt.too_large':
      return 'a position opened outside Ladder is larger than one order may close: not adopted';
    case 'adopt.cannot_plan':
      return 'a position opened outside Ladder could not be given a ladder: not adopted';
    case 'stop.kept_previous':
      return `the exchange refused the stop ${after('stop-kept:')}: the previous stop still rests and protects the position (it is not closed); Ladder tries the stop again with a back-off (5 s, doubling up to 60 s)`;
    case 'stop.kept_unverified':
      return `the exchange refused the stop ${after('stop-unverified:')}, and the open orders could not be read to see whether the previous stop still rests: the position is kept (not closed at market on an unread list); Ladder tries the stop again with a back-off (5 s, doubling up to 60 s)`;
    case 'alert':
      return key;
    default:
      return `${event}: ${key}`;
  }
}
