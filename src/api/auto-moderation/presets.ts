/**
 * The wordsets behind KEYWORD_PRESET rules. Discord keeps its own lists private and large; Accord ships short
 * lists of the commonest English words of each kind, matched with Discord's keyword wildcards (matching.ts).
 * SLURS ships empty: Accord does not carry a list of slurs in its source. A guild that wants one adds the words to
 * a KEYWORD rule of its own (docs/auto-moderation.md).
 */
import { AutoModKeywordPreset } from '../../protocol/auto-moderation.ts';

export const PRESET_WORDS: Readonly<Record<number, readonly string[]>> = {
  [AutoModKeywordPreset.PROFANITY]: [
    'fuck*', '*fucker', '*fucking', 'motherfuck*', 'shit', 'shits', 'shitty', 'bullshit', 'bitch', 'bitches', 'asshole*', 'bastard*', 'cunt*',
    'dick', 'dickhead*', 'prick', 'twat*', 'wanker*', 'bollocks', 'piss', 'pissed', 'damn', 'goddamn*', 'crap', 'crappy',
  ],
  [AutoModKeywordPreset.SEXUAL_CONTENT]: [
    'porn*', 'nude', 'nudes', 'nudity', 'sex', 'sexy', 'sexting', 'horny', 'blowjob*', 'handjob*', 'dildo*', 'orgasm*', 'xxx', 'hentai',
    'nsfw', 'boobs', 'titties', 'cum', 'cumshot*', 'erotic*', 'camgirl*', 'onlyfans',
  ],
  [AutoModKeywordPreset.SLURS]: [],
};
