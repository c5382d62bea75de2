"""Which of the supported languages (en/es/pt) a patient wrote in.

Cheap and deterministic: accent-insensitive word-list scoring plus a few letters only one language uses
(ñ/¿/¡ for Spanish, ã/õ/ç for Portuguese). Ties and texts with no signal fall back to English.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from fasttriage.domain.models import Language

_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common words of each language once accents are stripped; words found in more than one list are
# dropped from all of them below (they carry no signal).
_WORD_LISTS: dict[Language, frozenset[str]] = {
    Language.EN: _words(
        """
        the i im my me is are was were have has had it its to of and in with not dont cant cannot
        wont doesnt didnt isnt what should do if he she his her him they this that pain chest hurts
        fever baby son daughter husband wife mum mom dad father mother hi hello please thanks thank you
        can help need breathe breathing since yesterday today now been feel feeling sick bleeding took
        after for from get got just like really very bad think having some any appointment clinic
        """
    ),
    Language.ES: _words(
        """
        el la los las y en una unos unas es esta estoy tengo tiene tienen mi mis muy pero porque
        dolor pecho fiebre hijo hija nena nino nina mama papa hola gracias quiero puedo puede
        ahora ayer hoy cuando donde sangre cabeza respirar siento duele dolores
        mucho poco tambien tampoco sin hace embarazada le lo al del por para
        cita necesito estaba tuve tuvo esposo abuelo abuela usted
        un tenido cuales son sintomas despues cenar ardor ojo izquierdo izquierda derecho derecha
        brazo pierna ninos bebes esto eso ese hay estan puedes tienes convulsion convulsiones mani
        si hago abeja pica hincharon ahogo vomito nieto nieta hermano hermana
        """
    ),
    Language.PT: _words(
        """
        o os e em um uma umas uns com nao meu minha meus minhas estou ta tenho tem muito muita
        mas dor peito febre filho filha mae pai oi ola obrigado obrigada quero posso pode
        agora ontem hoje quando onde sangue cabeca respirar sinto doi dores
        pouco tambem sem faz gravida voce pra pro na nos nas da dos das
        ao isso esse essa ele ela consulta preciso estava tive teve marido avo
        olho visao esquerdo esquerda direito direita braco perna voces tudo doendo dando
        ficou fiquei estao vc tou tava nenem crianca depois fechando amendoim telhado caiu fogao remedio
        remedios convulsao tomei comprimidos bebeu comeu engoliu vou vai quer irmao irma neto neta
        """
    ),
}
_AMBIGUOUS = frozenset(
    word
    for language, words in _WORD_LISTS.items()
    for word in words
    if any(word in other for other_language, other in _WORD_LISTS.items() if other_language is not language)
) | _words("no a me se ha he do to como nada algo favor desde nunca anos semanas bebe garganta minutos")
_MARKERS: dict[Language, frozenset[str]] = {
    language: words - _AMBIGUOUS for language, words in _WORD_LISTS.items()
}
_SPANISH_LETTERS = frozenset("ñ¿¡")
_PORTUGUESE_LETTERS = frozenset("ãõç")
_LETTER_WEIGHT = 2
_TIE_ORDER = (Language.EN, Language.ES, Language.PT)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def detect_language(text: str) -> Language:
    """The most likely of en/es/pt for a short WhatsApp message; English when unsure."""
    lowered = text.casefold()
    scores = dict.fromkeys(Language, 0)
    scores[Language.ES] += _LETTER_WEIGHT * sum(1 for char in lowered if char in _SPANISH_LETTERS)
    scores[Language.PT] += _LETTER_WEIGHT * sum(1 for char in lowered if char in _PORTUGUESE_LETTERS)
    for word in _WORD.findall(_strip_accents(lowered).replace("'", "").replace("\u2019", "")):
        for language, markers in _MARKERS.items():
            if word in markers:
                scores[language] += 1
    best = max(scores.values())
    if best == 0:
        return Language.EN
    return next(language for language in _TIE_ORDER if scores[language] == best)


# Common words of languages the clinic does not answer in (accents stripped). A message scoring more for
# these than for en/es/pt is screened with every rule set and answered in English (see redflags.assess).
_OTHER_WORDS = _words(
    """
    je j ai suis mon ma mes est avec pas tres douleur poitrine enfant depuis fievre respirer mal au aux
    une des les du et ou qui que ne plus mais bebe il elle nous vous tete ventre sang saigne vomit
    ich habe mein meine nicht und ist schmerzen brust kind seit fieber kopf atmen kann keine luft blut mir
    ist sehr bauch mutter vater ein eine der die das im mit auf
    io ho mio mia sono dolore petto bambino febbre respiro non riesco della sangue molto forte testa mi
    """
)
_OTHER_MARKERS = _OTHER_WORDS - _WORD_LISTS[Language.EN] - _WORD_LISTS[Language.ES] - _WORD_LISTS[Language.PT]
_MIN_CONFIDENT_SCORE = 2


@dataclass(frozen=True)
class LanguageGuess:
    """The best of en/es/pt, and whether it is sure enough to screen with that language's rules only."""

    language: Language
    confident: bool
    scores: dict[Language, int]
    other: int

    @property
    def foreign(self) -> bool:
        """Words of another language score at least as much as the best of en/es/pt."""
        return self.other > 0 and self.other >= max(self.scores.values())


def detect_language_detail(text: str) -> LanguageGuess:
    """``detect_language`` plus how sure it is.

    Not confident when: no en/es/pt word scores at least twice, the runner-up is within one point, or words
    of another language (French, German, Italian) score at least as much as the best of en/es/pt.
    """
    lowered = text.casefold()
    scores = dict.fromkeys(Language, 0)
    scores[Language.ES] += _LETTER_WEIGHT * sum(1 for char in lowered if char in _SPANISH_LETTERS)
    scores[Language.PT] += _LETTER_WEIGHT * sum(1 for char in lowered if char in _PORTUGUESE_LETTERS)
    other = 0
    for word in _WORD.findall(_strip_accents(lowered).replace("'", " ").replace("\u2019", " ")):
        other += word in _OTHER_MARKERS
        for language, markers in _MARKERS.items():
            if word in markers:
                scores[language] += 1
    best = max(scores.values())
    language = Language.EN if best == 0 else next(lang for lang in _TIE_ORDER if scores[lang] == best)
    runner_up = sorted(scores.values())[-2]
    confident = best >= _MIN_CONFIDENT_SCORE and best - runner_up >= 2 and other < best
    return LanguageGuess(language, confident, scores, other)
