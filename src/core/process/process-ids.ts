// Identifiers of processes, in Ruote's formats. Pure: the time and the randomness are passed in.
//
//   wfid         20151005-1247-kogadeso-gekunute   (UTC date-time, two 4-syllable words)
//   expid        0_1_0                              (position in the tree: root 0, then child indexes)
//   subid        023abf5d398319b1c8fcbfaf70e7c780   (32 lowercase hex)
//   workitem id  0_1_0!023abf5d…!20151005-1247-kogadeso-gekunute

/** Returns an integer in [0, n). */
export type RandomInt = (n: number) => number;

// The 70 Japanese syllables of rufus-mnemo (13 consonants × 5 vowels, then wa wo ya yo yu), with
// its readable spellings: hu→fu, si→shi, ti→chi, tu→tsu, zi→tzu.
const RESPELL: Record<string, string> = { hu: 'fu', si: 'shi', ti: 'chi', tu: 'tsu', zi: 'tzu' };
export const SYLLABLES: readonly string[] = Object.freeze(
  [...'bdghjkmnprstz']
    .flatMap((c) => [...'aeiou'].map((v) => c + v))
    .concat(['wa', 'wo', 'ya', 'yo', 'yu'])
    .map((s) => RESPELL[s] ?? s),
);

// Default 4 syllables a word: 70^4 ≈ 24 million words, 5.8e14 wfids in any one minute.
const SYLLABLES_PER_WORD = 4;

// Longest first so that `shi` is not read as `s` + …; a word is one or more syllables, so wfids
// made by Ruote (whose words have 1 to 4 syllables) are accepted too.
const SYLLABLE = [...SYLLABLES].sort((a, b) => b.length - a.length).join('|');
const WFID_SOURCE = `[0-9]{8}-[0-9]{4}-(?:${SYLLABLE})+-(?:${SYLLABLE})+`;
const EXPID_SOURCE = '(?:0|[1-9][0-9]*)(?:_(?:0|[1-9][0-9]*))*';
const SUBID_SOURCE = '[0-9a-f]{32}';

export const WFID_PATTERN = new RegExp(`^${WFID_SOURCE}$`);
export const EXPID_PATTERN = new RegExp(`^${EXPID_SOURCE}$`);
export const SUBID_PATTERN = new RegExp(`^${SUBID_SOURCE}$`);
const WORKITEM_ID_PATTERN = new RegExp(`^(${EXPID_SOURCE})!(${SUBID_SOURCE})!(${WFID_SOURCE})$`);

export function isWfid(s: unknown): s is string {
  return typeof s === 'string' && WFID_PATTERN.test(s);
}

export function isExpid(s: unknown): s is string {
  return typeof s === 'string' && EXPID_PATTERN.test(s);
}

/** A pronounceable word of `SYLLABLES_PER_WORD` syllables. */
export function makeMnemoWord(random: RandomInt, syllables = SYLLABLES_PER_WORD): string {
  let word = '';
  for (let i = 0; i < syllables; i++) word += SYLLABLES[pick(random, SYLLABLES.length)];
  return word;
}

/** `YYYYMMDD-HHMM-word-word`, the date and time in UTC. */
export function makeWfid(now: Date | number, random: RandomInt): string {
  const t = typeof now === 'number' ? new Date(now) : now;
  if (Number.isNaN(t.getTime())) throw new RangeError('makeWfid: invalid time');
  const year = t.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError('makeWfid: the year must have four digits');
  const time = `${pad(year, 4)}${pad(t.getUTCMonth() + 1, 2)}${pad(t.getUTCDate(), 2)}-${pad(t.getUTCHours(), 2)}${pad(t.getUTCMinutes(), 2)}`;
  return `${time}-${makeMnemoWord(random)}-${makeMnemoWord(random)}`;
}

/** 32 lowercase hexadecimal digits. */
export function makeSubid(random: RandomInt): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += pick(random, 16).toString(16);
  return s;
}

/** The expid of the `index`th (0-based) child of `parent`: `childExpid('0_1', 0)` → `0_1_0`. */
export function childExpid(parent: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`childExpid: bad child index ${index}`);
  return `${parent}_${index}`;
}

/** The parent's expid, or undefined for a root (`0`). */
export function parentExpid(expid: string): string | undefined {
  const i = expid.lastIndexOf('_');
  return i < 0 ? undefined : expid.slice(0, i);
}

/** `expid!subid!wfid`. */
export function makeWorkitemId(expid: string, subid: string, wfid: string): string {
  return `${expid}!${subid}!${wfid}`;
}

/** Splits a workitem id; null unless each part has its exact format. */
export function parseWorkitemId(s: string): { expid: string; subid: string; wfid: string } | null {
  if (typeof s !== 'string') return null;
  const m = WORKITEM_ID_PATTERN.exec(s);
  return m === null ? null : { expid: m[1], subid: m[2], wfid: m[3] };
}

function pick(random: RandomInt, n: number): number {
  const i = random(n);
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`random(${n}) returned ${i}, not an integer in [0, ${n})`);
  return i;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
