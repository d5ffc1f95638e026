#!/usr/bin/env python3
"""Derives the Chinese name statistics in data/privacy/lexicon from jieba's dictionary.

    npm pack nodejieba@3.5.8 && tar xzf nodejieba-3.5.8.tgz
    tools/derive_zh_name_stats.py package/submodules/cppjieba/dict/jieba.dict.utf8 \
        data/privacy/lexicon/zh_surnames.txt data/privacy/lexicon

jieba.dict.utf8 (MIT) lists ~350,000 words with a corpus frequency and a part-of-speech tag;
72,842 of them are tagged `nr` (person name). Written here (see data/privacy/SOURCES.md):

  zh_name_char_scores.txt  "<char> <score>": how much likelier a Han character is in a
      person's name than in running text, as a natural-log ratio in tenths. `S` lines score
      a character as a surname (names of 2-3 characters whose first character is a surname
      in zh_surnames.txt); `G` lines as a given-name character (the characters after it).
      Running text is every other word weighted by its frequency.
  zh_common_words.txt  words a name candidate must not be, or run into, when no cue marks it:
      two-character words with frequency >= 200, and three- and four-character words with
      frequency >= 5 that start with a surname character (four: or have one second: 一劳永逸),
      whatever their tag (`nr` also marks 老公, 谢谢, 一劳永逸, 哈巴狗).
"""
import collections
import math
import sys


def is_han(word):
    return all('\u4e00' <= ch <= '\u9fff' for ch in word)


def main(dictionary, surnames_file, out_dir):
    surnames = {line.strip() for line in open(surnames_file, encoding='utf-8')}
    given = collections.Counter()
    surname = collections.Counter()
    text = collections.Counter()
    common = set()
    for line in open(dictionary, encoding='utf-8'):
        word, freq, tag = line.split()
        freq = int(freq)
        if not is_han(word):
            continue
        if (len(word) == 2 and freq >= 200) or (len(word) == 3 and freq >= 5 and
                                                 word[0] in surnames) or (
                len(word) == 4 and freq >= 5 and (word[0] in surnames or word[1] in surnames)):
            common.add(word)
        if tag == 'nr':
            if len(word) in (2, 3) and word[0] in surnames:
                surname[word[0]] += 1
                for ch in word[1:]:
                    given[ch] += 1
            continue
        for ch in word:
            text[ch] += freq
    n_given, n_surname, n_text = sum(given.values()), sum(surname.values()), sum(text.values())

    def log_ratio(count, total, smoothing):
        chars = set(count) | set(text)
        return {ch: math.log(((count[ch] + 0.5) / (total + 0.5 * smoothing)) /
                             ((text[ch] + 1) / (n_text + smoothing))) for ch in chars}

    lines = []
    # Every character seen anywhere gets a given-name score (a frequent character never seen
    # in a name scores low; one absent from the table is rare and gets a neutral default in
    # the detector); only characters seen as surnames get a surname score.
    for ch, score in log_ratio(given, n_given, 8000).items():
        lines.append(f'G{ch} {round(score * 10)}')
    for ch, score in log_ratio(surname, n_surname, 500).items():
        if surname[ch] > 0:
            lines.append(f'S{ch} {round(score * 10)}')
    with open(f'{out_dir}/zh_name_char_scores.txt', 'w', encoding='utf-8') as out:
        out.write(''.join(f'{line}\n' for line in sorted(set(lines), key=lambda s: s.encode())))
    with open(f'{out_dir}/zh_common_words.txt', 'w', encoding='utf-8') as out:
        out.write(''.join(f'{word}\n' for word in sorted(common, key=lambda s: s.encode())))


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
