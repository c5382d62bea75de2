"""Which of the supported languages (en/es/pt) a patient wrote in.

Cheap and deterministic: accent-insensitive word-list scoring plus a few letters only one language uses
(ñ/¿/¡ for Spanish, ã/õ/ç for Portuguese). Ties and texts with no signal fall back to English.
"""

from __future__ import annotations

import re
import unicodedata

from fasttriage.domain.models import Language

_WORD = re.compile(r"[a-z]+")

# Words that mostly belong to one language once accents are stripped. Words shared by Spanish and
# Portuguese ("que", "de", "dor"/"dolor" differ, "com"/"con" differ) only count where they differ.
_MARKERS: dict[Language, frozenset[str]] = {
    Language.EN: frozenset(
        """
        the i im my me is are was were have has had it its to of and in with not no dont cant cannot
        wont doesnt didnt isnt what should do if my he she his her him they this that pain chest hurts
        fever baby son daughter husband wife mum mom dad father mother hi hello please thanks thank you
        can help need breathe breathing since yesterday today now been feel feeling sick bleeding took
        after for from get got just like really very bad think having some any appointment clinic
        """.split()
    ),
    Language.ES: frozenset(
        """
        el la los las y en una unos unas es esta estoy tengo tiene tienen mi mis me muy pero porque
        dolor pecho fiebre hijo hija bebe nena nino nina mama papa hola gracias quiero puedo puede
        ahora ayer hoy desde cuando donde como sangre cabeza garganta respirar siento duele dolores
        mucho poco tambien tampoco sin nunca hace anos semanas embarazada qui se le lo al del por para
        algo nada favor cita necesito estaba tuve tuvo esposo esposa abuelo abuela usted
        un tenido cuales son sintomas despues cenar ardor ojo izquierdo izquierda derecho derecha
        convulsion convulsiones mani minutos garganta despues
        cabeza brazo pierna ninos nino bebes esto eso ese hay estan puedes tengo tienes dolor duele
                """.split()
    ),
    Language.PT: frozenset(
        """
        o os e em um uma umas uns com nao meu minha meus minhas estou to ta tenho tem muito muita
        mas porque dor peito febre filho filha bebe mae pai oi ola obrigado obrigada quero posso pode
        agora ontem hoje desde quando onde como sangue cabeca garganta respirar sinto doi dores
        pouco tambem sem nunca ha faz anos semanas gravida voce pra pro no na nos nas do da dos das
        ao isso esse essa ele ela algo nada favor consulta preciso estava tive teve marido esposa avo
        olho visao esquerdo esquerda direito direita cabeca braco perna voces tudo sinto doendo dando
        ficou fiquei estao vc tou tava nenem crianca depois fechando amendoim telhado caiu fogao remedio
        remedios convulsao minutos
                """.split()
    ),
}
# A word in more than one list ("no", "me", "como", "nada"...) carries no signal: drop it everywhere.
_AMBIGUOUS = frozenset(
    word
    for language, words in _MARKERS.items()
    for word in words
    if any(word in other for other_language, other in _MARKERS.items() if other_language is not language)
) | frozenset({"no", "a", "se", "ha", "he"})
_MARKERS = {language: words - _AMBIGUOUS for language, words in _MARKERS.items()}
_SPANISH_LETTERS = frozenset("ñ¿¡")
_PORTUGUESE_LETTERS = frozenset("ãõç")
_LETTER_WEIGHT = 2


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
    winners = [language for language in (Language.EN, Language.ES, Language.PT) if scores[language] == best]
    return winners[0]
