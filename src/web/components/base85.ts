/**
 * Bytes as text in 5 characters per 4 bytes (base64 takes 5⅓): how the report embeds its compressed
 * blobs in HTML. The 85 characters are printable ASCII without `<`, `>`, `&`, quotes, `\`, `/`, `` ` ``
 * and `~`, so the text is safe inside a script element. The first character is the number of padding
 * bytes added to make whole groups (0–3).
 */
const ALPHABET = Array.from({ length: 94 }, (_, k) => String.fromCharCode(33 + k))
  .filter((c) => !`"&'<>\\\`/~`.includes(c))
  .join('');
const VALUE = new Int16Array(128).fill(-1);
for (let k = 0; k < ALPHABET.length; k++) VALUE[ALPHABET.charCodeAt(k)] = k;

export function encodeBase85(bytes: Uint8Array): string {
  const pad = (4 - (bytes.length % 4)) % 4;
  const out: string[] = [String(pad)];
  const chunk = new Array<string>(5);
  for (let i = 0; i < bytes.length; i += 4) {
    let v = ((bytes[i]! << 24) >>> 0) + ((bytes[i + 1] ?? 0) << 16) + ((bytes[i + 2] ?? 0) << 8) + (bytes[i + 3] ?? 0);
    for (let k = 4; k >= 0; k--) {
      chunk[k] = ALPHABET[v % 85]!;
      v = Math.floor(v / 85);
    }
    out.push(chunk.join(''));
  }
  return out.join('');
}

export function decodeBase85(text: string): Uint8Array<ArrayBuffer> {
  const pad = text.charCodeAt(0) - 48;
  const groups = (text.length - 1) / 5;
  if (!(pad >= 0 && pad <= 3) || !Number.isInteger(groups)) throw new Error(`base85: ${text.length} characters, padding ${text[0]}: not a whole number of groups`);
  const out = new Uint8Array(groups * 4);
  for (let g = 0, p = 1; g < groups; g++) {
    let v = 0;
    for (let k = 0; k < 5; k++, p++) {
      const d = VALUE[text.charCodeAt(p)] ?? -1;
      if (d < 0) throw new Error(`base85: character ${JSON.stringify(text[p])} at ${p} is not in the alphabet`);
      v = v * 85 + d;
    }
    out[g * 4] = v >>> 24;
    out[g * 4 + 1] = (v >>> 16) & 0xff;
    out[g * 4 + 2] = (v >>> 8) & 0xff;
    out[g * 4 + 3] = v & 0xff;
  }
  return out.subarray(0, out.length - pad);
}
