"""Vietnamese text: NFC, one tone placement, case and diacritics folding, tokens.

Everything that stores or compares Vietnamese goes through here:

- ``clean``: what we store — NFC, no zero-width characters, NBSP as space, collapsed spaces.
- ``canon``: what we compare when accents matter — ``clean`` + lower case + one tone placement
  ("hoà" → "hòa", "thuỷ" → "thủy"), so that old and new spellings are the same word.
- ``fold``: what we compare for recall — ``canon`` without diacritics, "đ" → "d".
- ``words``: the syllables of a text, in ``canon`` form.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width and invisible characters that arrive from copy-paste, Word and chat apps, and exotic
# spaces. (Regular expressions: str.translate is slow on long non-ASCII texts.)
# Also C0 controls, and lone surrogates (a JSON "\ud83d" escape without its pair: no
# encoding can store or send one).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]+")
# Old encoding conversions write the Icelandic eth for "đ": the same letter to a reader.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_SPACES = re.compile("[ \u00a0\u2007\u202f\u3000\t\r\f\v]{2,}|[\u00a0\u2007\u202f\u3000\t\r\f\v]")


def clean(text: str | None) -> str:
    """NFC, invisible and control characters removed, exotic spaces as plain spaces, "Ð" as "Đ";
    newlines are kept."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    if "\u00d0" in text or "\u00f0" in text:
        text = text.translate(_LOOKALIKES)
    return _SPACES.sub(" ", text).strip()


# --- tone placement -------------------------------------------------------------------------
# Old style puts the tone on the second vowel of open "oa", "oe", "uy" ("hoà", "thuỷ"); new style
# on the first ("hòa", "thủy"). We keep the new style. Only open syllables differ ("hoàn" is the
# same in both) and "qu" is a consonant ("quý" is right in both).
_TONES = {  # base vowel -> its five toned forms, in order: huyền, sắc, hỏi, ngã, nặng
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "y": "ỳýỷỹỵ",
    "o": "òóỏõọ",
    "u": "ùúủũụ",
}
_OLD_TONE = {}
for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _i, _toned in enumerate(_TONES[_second]):
        _OLD_TONE[_first + _toned] = _TONES[_first][_i] + _second
_OLD_TONE_RE = re.compile(r"(?<![qQ])([ou][àáảãạèéẻẽẹỳýỷỹỵ])(?!\w)")


def _new_tone_style(text: str) -> str:
    return _OLD_TONE_RE.sub(lambda m: _OLD_TONE.get(m.group(1), m.group(1)), text)


def canon(text: str | None) -> str:
    """Lower-case NFC with one tone placement: the form in which accented words are compared."""
    return _new_tone_style(clean(text).lower())


# --- folding --------------------------------------------------------------------------------
def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for cp in range(0x00C0, 0x1EFA):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[cp] = base
    return table


_FOLD = _build_fold_table()


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics from NFC text, keeping case ("Đăng" → "Dang")."""
    return text.translate(_FOLD)


def fold(text: str | None) -> str:
    """Lower case, no diacritics, "đ" → "d": the form in which words are compared for recall."""
    return strip_accents(canon(text))


# --- tokens ---------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+(?:[.,][0-9]+)*", re.UNICODE)


def words(text: str | None) -> list[str]:
    """Syllables and numbers of a text in ``canon`` form ("1.001193" and "2,5" stay whole)."""
    return _WORD.findall(canon(text))


def has_diacritics(word: str) -> bool:
    return strip_accents(word) != word


_TONE_MARKS = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"), None)


def strip_tone(word: str) -> str:
    """Remove the tone mark only, keeping the letters' own marks ("cước" → "cươc", "đã" → "đa")."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", word).translate(_TONE_MARKS))


def same_word_typed(official: str, typed: str) -> bool:
    """Whether ``typed`` may be ``official`` with its accents left out or a tone mark forgotten:
    "can cuoc" and "căn cươc" are "căn cước"; "bí mật" is not "bị mất", nor "cần" "căn"."""
    if official == typed or not has_diacritics(official) or not has_diacritics(typed):
        return True
    bare = strip_tone(official)
    return bare == strip_tone(typed) and (typed == strip_tone(typed) or official == bare)
