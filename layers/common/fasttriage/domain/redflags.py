"""The deterministic red-flag engine: patient text in, an Assessment out.

Runs synchronously in the webhook before anything else, so it is pure Python (stdlib `re` and
`unicodedata`). The flags and the phrases that find them are data (``fasttriage/domain/catalogue/``, one
JSON file per category plus ``terms.json``); this module is the matcher. Phrases are indexed by their first
letters and compiled on first use (``phrase_index``), so import stays cheap and a message only pays for the
phrases that could start at its words.

How it reads a message:
1. language: ``detect_language_detail``; when it is unsure, every language's clause and negation rules
   apply; when the text looks French, German, Italian..., the answer is also in English (issue 11);
2. normalize: lower-case, strip accents, drop emoji and apostrophes, collapse "paaaain" to "pain";
3. split into clauses (sentences, "but"/"pero"/"mas", "and now"/"y ahora"/"e agora", ...);
4. skip clauses that are hypothetical ("what should I do if ..."), a relative's history ("my father had
   ...") or a managed condition; in a clause about the past ("2 years ago", "hace 2 años") keep only context
   terms (surgery, recent birth, pregnancy, anticoagulant, diabetes...) and the comma-separated parts that
   do not name the past, unless the clause says "now"/"ahora"/"agora" about a symptom;
5. find the catalogue's terms and flag phrases in the remaining clauses, dropping any with a negation cue
   ("no", "sin", "não", "denies", ...) a few words before it or heading a list ("denies X, Y or Z");
6. read numbers (``vitals``: SpO2, heart and breathing rate, blood pressure, temperature, glucose, age);
7. combine findings across the whole message into flags: the engine's own rules for the original flags
   (chest pain + a cardiac feature, pregnancy + heavy bleeding, ...) and the catalogue's ``when``/``unless``/
   ``escalate`` for every flag. Each flag carries its floor urgency.

When in doubt about a true emergency sign the engine says emergency: a false alarm costs a phone call,
a miss can cost a life.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from fasttriage.domain import catalogue, patient_messages, textmodel, vitals
from fasttriage.domain.language import detect_language_detail
from fasttriage.domain.models import Assessment, Language, RedFlag
from fasttriage.domain.urgency import Urgency, most_urgent

_ENGINE_VERSION = "redflags-2026.11.30-1"
# ---------------------------------------------------------------------------------------------------
# Normalization and clauses
# ---------------------------------------------------------------------------------------------------

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_KEEP_PUNCT = frozenset(".,;:!?\n")


def normalize(text: str) -> str:
    """Lower-case, accent-free, emoji-free text with "paaaain" collapsed to "pain"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    chars: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char.isalnum() or char in _KEEP_PUNCT:
            chars.append(char)
        elif char in "'\u2019\u2018`\u00b4":
            continue
        else:
            chars.append(" ")
    plain = _APOSTROPHES.sub("", "".join(chars))
    plain = _REPEATS.sub(r"\1", plain)
    plain = _SPACES.sub(" ", plain).strip()
    plain = _FREE_OF.sub(r"no \1", plain)
    return _TEXTING.sub(lambda m: _TEXTING_WORDS.get(m.group(0), m.group(0)), _texting_context(plain))


# "seizure free since", "pain-free": the symptom is absent; spelled as a negation the context code knows.
_FREE_OF = re.compile(r"\b(seizure|fit|pain|symptom|attack|episode|chest pain|headache)s? free\b")


# Texting shorthand, spelled out so the catalogue need not know it: "cnt breathe", "hes nt breathing",
# "havin a heart attack", "naum ta respirando", "n consigo respirar" (pt), "dolor d pecho" (es).
_TEXTING_WORDS = {
    "cnt": "cant",
    "cnt.": "cant",
    "nt": "not",
    "rly": "really",
    "sum1": "someone",
    "some1": "someone",
    "naum": "nao",
    "nn": "nao",
    "mt": "muito",
    "mto": "muito",
    "mta": "muita",
    "xfa": "por favor",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "havin": "having",
    "breathin": "breathing",
    "bleedin": "bleeding",
    "gettin": "getting",
    "goin": "going",
    "comin": "coming",
    "feelin": "feeling",
    "throwin": "throwing",
    "vomitin": "vomiting",
    "shakin": "shaking",
    "fittin": "fitting",
    "chokin": "choking",
    "dyin": "dying",
    "burnin": "burning",
    "swellin": "swelling",
    "passin": "passing",
    "respirano": "respirando",
}
_TEXTING = re.compile(r"\b(?:" + "|".join(re.escape(word) for word in _TEXTING_WORDS) + r")\b")
_PT_N = re.compile(
    r"\bn (?=(?:consigo|consegue|conseguia|acorda|respira\w*|ta|esta|sei|para|passa|mexe|sinto|sente|quer|tem|to"
    r"|fala|enxergo|enxerga)\b)"
)
_ES_D = re.compile(r"\bd (?=(?:pecho|cabeza|estomago|barriga|espalda|garganta|sangre)\b)")


def _texting_context(text: str) -> str:
    return _ES_D.sub("de ", _PT_N.sub("nao ", text))


_HARD_BREAK = re.compile(
    r"[!?;\n]+|\.(?!\d)|\s(?:but|however|although|though|whereas|pero|aunque|sin embargo|porem|entretanto|"
    r"contudo)\s"
)
_PT_BUT = re.compile(r"\smas\s")  # Portuguese "but"; in Spanish "mas" is "more"
# Zero-width: split before these so the words stay in the new clause.
_SOFT_BREAK = re.compile(
    r"\s(?=(?:and|then) (?:now|today|i|im|my|this morning|tonight)\b|(?:y|luego) (?:ahora|hoy|yo|me|mi)\b"
    r"|e (?:agora|hoje|eu|estou|to|meu|minha)\b)"
)


def _clauses(normalized: str, language: Language) -> list[str]:
    pieces: list[str] = []
    sentences = _HARD_BREAK.split(normalized)
    if language is Language.PT:
        sentences = [part for sentence in sentences for part in _PT_BUT.split(sentence)]
    for sentence in sentences:
        pieces.extend(part.strip(" ,:") for part in _SOFT_BREAK.split(sentence))
    return [piece for piece in pieces if piece]


# ---------------------------------------------------------------------------------------------------
# Context: past episodes, relatives' history, hypotheticals, managed chronic illness
# ---------------------------------------------------------------------------------------------------

_NUM = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|few|a few|several|many|some"
    r"|un|una|unos|dos|tres|cuatro|cinco|varios|muchos|um|uma|uns|dois|duas|alguns|muitos)"
)
_PAST = re.compile(
    rf"\b{_NUM} (?:years?|yrs?|months?|weeks?) ago\b|\blast week\b|\bla semana pasada\b|\bsemana passada\b"
    r"|\byears ago\b|\blast (?:year|month|summer|winter|spring|autumn|fall)\b|\bin (?:19|20)\d\d\b"
    # a personal history ("with a history of anaphylaxis", "PMH: MI"); not "a 2-day history of" (this illness)
    r"|\bhistory of\b(?<!day history of)(?<!days history of)(?<!week history of)(?<!weeks history of)"
    r"(?<!hour history of)(?<!hours history of)(?<!month history of)(?<!short history of)(?<!recent history of)"
    r"(?<!brief history of)|\bpmh\b|\bhx of\b|\bantecedentes? de\b|\bhistorico de\b"
    r"|\bas a (?:child|kid|baby|teen|teenager)\b|\bwhen (?:i|he|she) was (?:a )?(?:child|kid|baby|little"
    r"|young|teen)"
    r"|\b(?:it|this|that|all) was (?:checked|investigated|treated|fine|normal|nothing)\b"
    r"|\b(?:checked|investigated|tested|tests|scans?|ecg|exams?|examenes|estudios"
    r"|exames) (?:\w+ ){0,3}(?:fine|clear|normal|ok|bien|bem)\b"
    rf"|\bhace {_NUM} (?:anos?|mes|meses|semanas?)\b|\bano pasado\b|\bde (?:nino|nina|pequeno|pequena|chico"
    rf"|chica|bebe)\b"
    r"|\bcuando era\b|\ben (?:19|20)\d\d\b"
    rf"|\b(?:ha|faz|fazem) {_NUM} (?:anos?|mes|meses|semanas?)\b|\bano passado\b|\bquando (?:eu |ele "
    rf"|ela )?era\b"
    r"|\bde (?:crianca|pequeno|pequena)\b|\bem (?:19|20)\d\d\b|\bfoi (?:investigado|tratado|verificado"
    r"|checado)"
    r"|\bhace (?:muchos )?anos\b|\b(?:ha|faz) (?:muitos )?anos\b|\b(?:19[5-9]\d|20[0-2]\d)\b(?! ?(?:mg|ml|units|mmol))"
)
_RELATIVE = (
    r"(?:my|mi|mis|meu|minha|meus|minhas|his|her|su|sus|seu|sua)\s+(?:\w+\s+)?"
    r"(?:father|dad|daddy|mother|mum|mom|mummy|brother|sister|grandad|grandpa|grandfather|grandma|granny|"
    r"grandmother|uncle|aunt|auntie|cousin|family|parents?|padre|papa|madre|mama|hermano|hermana|abuelo"
    r"|abuela|"
    r"tio|tia|primo|prima|familia|pai|mae|irmao|irma|avo|primo|prima)"
)
_FAMILY_HISTORY = re.compile(
    rf"\b{_RELATIVE}\s+(?:(?!hasnt|hadnt|havent|hasn|not|never|no|nao)\w+\s+)?(?:had|has had|died|passed away|suffered|tuvo|tenia|murio|fallecio|sufrio|"
    r"ha tenido|teve|tinha|morreu|faleceu|sofreu)\b"
    r"|\bfamily history\b|\bruns in (?:my|the|our) family\b|\bantecedentes? familiar|\bhistorico familiar"
    r"|\bhereditari|\bdied (?:of|from)\b|\bmurio de\b|\bmorreu de\b"
)
# "my dad had a fit 10 minutes ago", "my mum has had chest pain for an hour", "his face dropped": a relative's
# event happening now, not their history.
_RECENT_EVENT = re.compile(
    r"\b(?:\d+|a few|few|ten|five|twenty|thirty|fifteen|an|one|two|half an) (?:minutes?|mins?|hours?|hrs?)\b"
    r"|\b(?:this morning|this afternoon|this evening|tonight|today|just now|last night|earlier|yesterday)\b"
    r"|\b(?:hace|desde hace) (?:\d+|unos|unas|una|un|media) (?:minutos?|horas?)\b|\b(?:esta manana|esta tarde|esta noche"
    r"|anoche|hoy|ahorita|ayer)\b"
    r"|\b(?:ha|faz|desde ha) (?:\d+|uns|umas|uma|um|meia) (?:minutos?|horas?)\b|\b(?:hoje|agora mesmo|ontem|hoje cedo"
    r"|esta manha|esta noite)\b"
    r"|\b(?:face|mouth|smile|arm|leg|speech|lips?|cara|boca|brazo|pierna|rosto|braco|perna) (?:\w+ ){0,2}"
    r"(?:dropped|drooped|went|turned|became|started|se cayo|se torcio|ficou|caiu)\b"
    r"|\b(?:collapsed|stopped breathing|wont wake|isnt waking|hasnt woken|not waking|no despierta|nao acorda"
    r"|no reacciona|nao reage|que no (?:para|pasa|se quita)|que nao (?:para|passa))\b"
)
_HYPOTHETICAL = re.compile(
    r"\bwhat (?:should|do|would|could|can|must) (?:i|we|you|one|people) do (?:if|when|in case)\b"
    r"|\bwhat (?:if|happens if)\b|\bwhat to do (?:if|when|in case)\b|(?<!just )\bin case (?:of|someone|somebody|anyone|a child|a baby|my \w+ (?:gets|has|is)|it happens|that happens)\b|\bhow (?:do i|can i|to"
    r"|do you) "
    r"(?:know|tell|recogni[sz]e|spot)\b|\bwhat are (?:the )?(?:signs|symptoms)\b"
    r"|\bif (?:someone|somebody|anyone|a person|a child|a baby|my \w+(?: \w+)?|your \w+) "
    r"(?:ever )?(?:get|gets|got|has|have|had|is|are|starts?|swallows?|were|was|develops?|becomes?|shows?"
    r"|eats?|drinks?)\b"
    r"|\bif (?:i|we|he|she|they) (?:ever|were to|should|get|gets|develop|develops)\b"
    r"|\bque (?:hago|hacer|debo hacer|puedo hacer|hacemos|se hace) (?:si|cuando|en caso)\b|\by si\b"
    r"|\bsi (?:alguien|mi|un|una|tu|el|ella)\b|\ben caso de\b"
    r"|\bcomo (?:saber|reconocer|se sabe|se si|se reconoce|se hace|se que)\b"  # not "como se" = "as if" (pt)
    r"|\bcuales son (?:los )?(?:signos|sintomas)\b"
    r"|\bo que (?:fazer|faco|eu faco|devo fazer|posso fazer|a gente faz|se faz) (?:se|quando|caso|em caso)\b"
    r"|\be se (?:eu|ele|ela|alguem|meu|minha|o|a|um|uma|tiver|for|acontecer)\b|\bse (?:alguem|meu|minha|um"
    r"|uma|eu tiver|ele tiver|ela tiver)\b|\bcaso (?:alguem|meu|minha|eu|ele|ela)\b"
    r"|\bcomo (?:saber|sei|reconhecer) se\b|\bem caso de\b|\bquais (?:sao )?(?:os )?(?:sinais|sintomas)\b"
    r"|\bhow long (?:does|do|will|can|should) (?:a |an |the )?\w+ (?:last|take|go on)\b"
    r"|\bdoes (?:\w+ ){1,6}mean (?:\w+ )?(?:i have|its|it is|i might have|meningitis|a stroke|a heart attack|sepsis|cancer)\b"
    r"|\b(?:is|are|could) (?:\w+ ){0,4}(?:a sign|signs) of\b"
    r"|\bwhats? (?:is )?the difference\b|\bwhat (?:would|will|could) happen if\b|\bwhat (?:should|do|would|can) (?:i|we)"
    r" (?:say|tell|do|know) (?:if|when)\b|\b(?:cual|qual) (?:es|e) la diferencia\b|\bqual a diferenca\b"
)
# "I don't know if he is breathing" is not a hypothetical: remove these before looking for one.
_NOT_HYPOTHETICAL = re.compile(
    r"\b(?:dont|do not|not|no|nao) (?:know|sure|sabe|se|sei|tengo idea)(?: \w+)? (?:if|si|se)\b"
    r"|\b(?:check|see|tell|ask|sabe|saber|ver) (?:if|si|se)\b"
)
# "how can I tell if my toddler is having a seizure": a question about recognising a sign, even though
# "tell if" is removed above for "I can't tell if he is breathing".
_HOW_TO_TELL = re.compile(
    r"\bhow (?:can|do|would|could|will|should) (?:i|we|you|one|parents) (?:tell|know|recogni[sz]e|spot|be sure)\b"
    r"|\bcomo (?:puedo|podemos|se puede) (?:saber|distinguir|reconocer)\b|\bcomo (?:posso|podemos) (?:saber|diferenciar"
    r"|reconhecer)\b|\bcomo (?:saber|sei|se sabe|reconhecer|reconocer) (?:se|si)\b"
)
_CHRONIC = re.compile(r"\bwell controlled\b|\bbien controlad[ao]s?\b|\bbem controlad[ao]s?\b")
_PRESENT = re.compile(
    r"\b(?:now|right now|currently|at the moment|still|suddenly|hes|shes|tonight|ahora|ahorita|ahora mismo|todavia|agora|ainda|otra vez|de nuevo|de novo|outra vez|"
    r"neste momento|every hour|cada hora|a cada hora|after giving birth|since giving birth|despues del parto|"
    r"depois do parto|is|isnt|are|arent|cant|cannot|wont|keeps|esta|estan|sigue|no puede|no responde|ta|"
    r"nao consegue|nao consigo|nao responde)\b"
)


# A case description's presenting verb: what comes after it is the present problem, even when a history told
# before it is in the past ("with a history of AF presents with sudden weakness"; "a TIA two years ago,
# attends for a blood pressure check").
_PRESENTING = re.compile(
    r"\b(?:presents?|presenting|c o|complain\w*|attends|brought in|develop\w*|reports?|reporting|arrives?"
    r"|comes in|came in|acude|consulta por|refiere|presenta|apresenta|queixa\w*)\b"
)


# "all fine now", "now I want physio", "currently asymptomatic": a present tense that describes no symptom.
_PRESENT_BENIGN = re.compile(
    r"\b(?:(?:all |im |its |is |hes |shes |i am |totally |completely )?(?:fine|ok|okay|well|good|better|normal"
    r"|asymptomatic|pain[- ]free|symptom[- ]free) now|now (?:i |we )?(?:just |only )?(?:want|need|would like|wish)"
    r"|currently (?:asymptomatic|well|pain[- ]free|symptom[- ]free|fine)|ahora (?:solo |solamente )?quiero"
    r"|agora (?:so )?quero|(?:ahora|agora) (?:estoy|estou|esta|to|ta) bien|agora (?:estou|esta|to|ta) bem)\b"
)


def _suppressed(clause: str) -> bool:
    """True for a clause about the past, a relative's history, a hypothetical or a managed condition."""
    return _suppression(clause) is not None


def _suppression(clause: str) -> str | None:
    """Why a clause does not describe the writer's present problem: hypothetical, chronic, family, past."""
    if _HYPOTHETICAL.search(_NOT_HYPOTHETICAL.sub(" ", clause)) or _HOW_TO_TELL.search(clause):
        return "hypothetical"
    if _CHRONIC.search(clause):
        return "chronic"
    if _PRESENT.search(_PRESENT_BENIGN.sub(" ", clause)):
        return None
    if _FAMILY_HISTORY.search(clause) and not _RECENT_EVENT.search(clause):
        return "family"
    if _PAST.search(clause):
        return "past"
    return None


# ---------------------------------------------------------------------------------------------------
# Negation
# ---------------------------------------------------------------------------------------------------

_NEGATION_CUES = (
    r"not|without|denies|deny|denied|never|dont have|do not have|doesnt have|does not have|didnt have|"
    r"havent|hasnt|havent had|no sign of|negative for|free of|sin|nunca|tampoco|ni|ningun|ninguna|jamas|"
    r"nao|sem|nem|jamais|nenhum|nenhuma"
)
# In Portuguese "no" means "in the" ("dor no peito"): it is a negation only in English and Spanish.
_NEGATION_CUE = {
    Language.EN: re.compile(rf"\b(?:no|{_NEGATION_CUES})\b"),
    Language.ES: re.compile(rf"\b(?:no|{_NEGATION_CUES})\b"),
    Language.PT: re.compile(rf"\b(?:{_NEGATION_CUES})\b"),
}
_NOT_A_NEGATION = re.compile(r"\b(?:no|nao) (?:idea|one|se|sei|way|sabemos|sabe|sabia|longer)\b")
_WINDOW_BREAK = re.compile(r",|\b(?:and|y|e|so|then|luego|entonces|entao|because|porque)\b")
_NEGATION_REACH = 200  # characters
_WINDOW_WORDS = 4  # the cue itself plus up to three words between it and the finding
_LIST_WINDOW_WORDS = (
    9  # "without any shortness of breath or chest pain": a cue reaches through "or"/"ni"/"nem"
)
_COORDINATOR = re.compile(r"\b(?:or|nor|ni|nem|ou)\b")


def _negated(clause: str, start: int, language: Language) -> bool:
    # a cue further than this cannot reach the finding (the longest list is 8 short items)
    before = clause[max(0, start - _NEGATION_REACH) : start]
    breaks = list(_WINDOW_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    words = before.split()
    coordinated = _COORDINATOR.search(" ".join(words[-_WINDOW_WORDS:]))
    words = words[-(_LIST_WINDOW_WORDS if coordinated else _WINDOW_WORDS) :]
    window = " " + " ".join(words) + " "
    window = _NOT_A_NEGATION.sub(" ", window)
    if _NEGATION_CUE[language].search(window):
        return True
    return _negated_list(clause[max(0, start - _NEGATION_REACH) : start], clause[start : start + 80])


# "denies chest pain, SOB, palpitations or syncope", "no saddle anaesthesia, normal micturition, no fever":
# a cue followed by a list of short items reaches every item of the list.
_LIST_SEPARATOR = re.compile(r",|\b(?:or|nor|ni|nem|ou|o)\b")
_LIST_ITEM_WORDS = 4
_LIST_ITEMS = 8


def _negated_list(before: str, after: str) -> bool:
    cues = list(_LIST_CUE.finditer(before))
    if not cues:
        return False
    rest = before[cues[-1].end() :]
    if _NOT_A_NEGATION.search(before[cues[-1].start() :]) or _CLAUSE_TURN.search(rest):
        return False
    items = _LIST_SEPARATOR.split(rest)
    # at least one separator, the finding starts its item (at most one word such as "any" before it),
    # every item before it is a short noun phrase, and the list is a disjunction ("... or syncope")
    return (
        1 < len(items) <= _LIST_ITEMS
        and len(items[-1].split()) <= 1
        and all(len(item.split()) <= _LIST_ITEM_WORDS for item in items)
        and bool(_DISJUNCTION.search(rest) or _DISJUNCTION.search(after[:80]))
    )


_LIST_CUE = re.compile(
    r"\b(?:denies|denied|deny|denying|no evidence of|negative for|without|nil|no|niega|nega|sin|sem|nao ha|no hay)\b"
)
_DISJUNCTION = re.compile(r"\b(?:or|nor|ni|nem|ou|o)\b")
_CLAUSE_TURN = re.compile(r"\b(?:now|but|then|ahora|agora|pero|luego|entao|today|hoy|hoje|since|desde)\b")


# ---------------------------------------------------------------------------------------------------
# Findings: the catalogue's named terms and direct flag phrases, found per clause
# ---------------------------------------------------------------------------------------------------

_CATALOGUE = catalogue.default()
RULES_VERSION = f"{_ENGINE_VERSION}+{_CATALOGUE.version}"
# code -> (clinician-facing label, floor), for every flag of the catalogue
FLAGS: dict[str, tuple[str, Urgency]] = {
    flag.id: (flag.label, flag.floor) for flag in _CATALOGUE.flags.values()
}
_FLAG_PREFIX = catalogue.FLAG_PREFIX
_INDEX = catalogue.load_index(_CATALOGUE)
# Findings that are themselves phrased as negatives ("no one was hurt", "not hurt"): never negated.
_NEVER_NEGATED = frozenset({"recovered", "no_injury"})


@dataclass(frozen=True)
class _Finding:
    kind: str
    evidence: str


def _findings(clauses: list[str], languages: tuple[Language, ...]) -> dict[str, _Finding]:
    """The first occurrence of each term or flag phrase that is not negated (under any of the languages'
    negation rules) in the clauses that are not suppressed (past, family history, hypothetical)."""
    found: dict[str, _Finding] = {}
    # One language: its own cues. Several (unsure): the English/Spanish cue set, which holds every
    # language's cue words plus "no" (in Portuguese "no" is "in the", but a finding's own phrase starts
    # before it: "dor no peito").
    negation_language = languages[0] if len(languages) == 1 else Language.EN
    for whole in clauses:
        presenting = _PRESENTING.search(whole)
        if presenting and presenting.start() > 0 and _PAST.search(whole, 0, presenting.start()):
            parts = [whole[: presenting.start()].strip(), whole[presenting.start() :]]
        else:
            parts = [whole]
        for clause in parts:
            _clause_findings(clause, negation_language, found)
    return found


def _clause_findings(clause: str, negation_language: Language, found: dict[str, _Finding]) -> None:
    reason = _suppression(clause)
    if reason == "past" and "," in clause:
        # "had a c section a week ago, temp 39": only the comma-separated parts naming the past are
        # about the past
        for part in clause.split(","):
            _collect(part.strip(), "past" if _PAST.search(part) else None, negation_language, found)
    else:
        _collect(clause, reason, negation_language, found)


# Context that stays true when told in the past tense ("operated on last week", "gave birth 3 weeks ago").
_CONTEXT_TERMS = frozenset(
    {
        "after_surgery",
        "postpartum",
        "positive_test",
        "pregnant",
        "pregnancy_weeks",
        "chemo",
        "blood_thinner",
        "diabetic",
        "withdrawal",
        "new_drug",
        "infant",
        "child",
    }
)


# Trauma mechanisms: an event, never a context that stays true.
_MECHANISM_TERMS = frozenset({"trauma", "trauma_any", "high_speed", "flag:major_trauma"})


def _collect(
    clause: str, reason: str | None, negation_language: Language, found: dict[str, _Finding]
) -> None:
    """Add the clause's findings; a clause about the past gives only context terms, any other suppressed
    clause (hypothetical, family history, managed condition) gives nothing."""
    if reason is not None and reason != "past":
        return
    # "a car accident last year and I still get neck pain": the pain is now, the accident is not
    mechanism_past = reason == "past" or bool(_PAST.search(clause))
    for hit in _INDEX.hits(clause):
        if hit.name in found or (reason == "past" and hit.name not in _CONTEXT_TERMS):
            continue
        if mechanism_past and hit.name in _MECHANISM_TERMS:
            continue
        if hit.name in _NEVER_NEGATED or not (
            _negated(clause, hit.start, negation_language) or _negated_tail(hit.text, negation_language)
        ):
            found[hit.name] = _Finding(hit.name, hit.text.strip())


# A long phrase can end on a negated word: "kidney stone pain coming and going, no fever".
_TAIL_CUES = r"not|without|sin|sem|nao|never|nunca|denies|denied|nil|negative for|ni|nem"
# Only for the symptoms people list as absent; "bleeding that won't stop" keeps its own negative.
_TAIL_SYMPTOM = (
    r"(?:fever|temperature|temp|fiebre|febre|fievre|vomit\w*|blood|bleeding|sangre|sangue|breath\w*|pain|dolor"
    r"|dor|shivering|rigors|escalofrios|calafrios)"
)
_NEGATED_TAIL = {
    True: re.compile(rf"\b(?:no|{_TAIL_CUES})\s+(?:\w+\s+)?{_TAIL_SYMPTOM}\W*$"),
    False: re.compile(rf"\b(?:{_TAIL_CUES})\s+(?:\w+\s+)?{_TAIL_SYMPTOM}\W*$"),
}


def _negated_tail(text: str, negation_language: Language) -> bool:
    """A cue inside the phrase, before its last word; a phrase that starts with its own negative ("not
    responding", "no puede respirar") is not negated by it. A bare "no" counts only for English/Spanish
    ("dor no peito" is Portuguese for "pain in the chest")."""
    tail = _NEGATED_TAIL[negation_language is not Language.PT].search(text)
    return tail is not None and tail.start() > 0


# ---------------------------------------------------------------------------------------------------
# Rules: findings -> flags
# ---------------------------------------------------------------------------------------------------


_STROKE_WORD = re.compile(r"\b(?:stroke|derrame|ictus|avc|acv)\b")


def _rules(f: dict[str, _Finding]) -> dict[str, str]:
    """code -> evidence, for every flag the findings support."""
    flags: dict[str, str] = {}

    def ev(*kinds: str) -> str:
        """The evidence of the given findings, each phrase once ("crushing chest", not "+ crushing")."""
        phrases: list[str] = []
        for kind in kinds:
            if kind in f and not any(f[kind].evidence in phrase for phrase in phrases):
                phrases.append(f[kind].evidence)
        return " + ".join(phrases)

    pregnant = "pregnant" in f or "fetal_reduced" in f or "fetal_absent" in f

    # Chest
    if "heart_attack_now" in f:
        said = f["heart_attack_now"].evidence
        flags["stroke_signs" if _STROKE_WORD.search(said) else "cardiac_chest_pain"] = said
    if "chest_pain" in f:
        if "chest_mild" in f and "cardiac_strong" not in f and "breathing_severe" not in f:
            cardiac = False
        elif "chest_benign" in f:
            # "tight from coughing": emergency only on strong cardiac features or severe breathlessness.
            cardiac = "cardiac_strong" in f or "breathing_severe" in f
        else:
            # NHS/HSE: call 999 for chest pain that lasts more than 15 minutes
            cardiac = (
                "cardiac_quality" in f
                or "breathing_severe" in f
                or "breathing_mild" in f
                or "severity" in f
                or "chest_duration" in f
            )
        if cardiac:
            flags["cardiac_chest_pain"] = ev("chest_pain", "cardiac_quality", "cardiac_strong")
        else:
            flags["chest_pain"] = ev("chest_pain")

    # Breathing
    if "breathing_severe" in f:
        flags["severe_breathing_difficulty"] = ev("breathing_severe")
    elif "breathing_mild" in f:
        if "severity" in f:
            flags["severe_breathing_difficulty"] = ev("breathing_mild", "severity")
        else:
            flags["breathlessness"] = ev("breathing_mild")

    # Stroke and neuro
    if "stroke" in f:
        flags["stroke_signs"] = ev("stroke")
    elif "stroke_soft" in f:
        if "benign_explanation" in f:
            flags["neuro_symptom_review"] = ev("stroke_soft", "benign_explanation")
        else:
            flags["stroke_signs"] = ev("stroke_soft")
    if "vision_loss" in f:
        flags["sudden_vision_loss"] = ev("vision_loss")
    if "thunderclap" in f:
        flags["thunderclap_headache"] = ev("thunderclap")

    # Collapse
    if "unresponsive" in f:
        flags["collapse_unresponsive"] = ev("unresponsive")
    elif "fainted" in f:
        if "recovered" in f or "vasovagal_trigger" in f:
            flags["syncope_recovered"] = ev("fainted", "recovered")
        else:
            flags["collapse_unresponsive"] = ev("fainted")

    # Seizure
    if "seizure_active" in f:
        flags["seizure"] = ev("seizure_active")
    elif "seizure_any" in f:
        if "recovered" in f or "seizure_question" in f:
            flags["seizure_recovered"] = ev("seizure_any", "recovered")
        else:
            flags["seizure"] = ev("seizure_any")

    # Bleeding
    if pregnant and ("bleeding_heavy" in f or "bleeding_any" in f):
        if "bleeding_heavy" in f:
            flags["pregnancy_heavy_bleeding"] = ev("pregnant", "bleeding_heavy")
        else:
            flags["pregnancy_bleeding"] = ev("pregnant", "bleeding_any")
    elif "bleeding_heavy" in f:
        if "menstrual" in f:
            flags["uncontrolled_bleeding"] = ev("bleeding_heavy", "menstrual")
        else:
            flags["uncontrolled_bleeding"] = ev("bleeding_heavy")
    if "vomit_blood" in f:
        flags["vomiting_blood"] = ev("vomit_blood")
    if "cough_blood" in f:
        flags["coughing_blood"] = ev("cough_blood")
    if "gi_bleed" in f:
        flags["gi_bleeding"] = ev("gi_bleed")

    # Allergy
    if "airway_swelling" in f:
        flags["anaphylaxis"] = ev("airway_swelling", "allergen")
    elif "throat_swelling" in f and ("allergen" in f or "breathing_severe" in f or "breathing_mild" in f):
        flags["anaphylaxis"] = ev("throat_swelling", "allergen")
    elif "face_swelling" in f:
        if (
            ("allergen" in f and ("breathing_mild" in f or "breathing_severe" in f))
            or "allergen" in f
            or "breathing_mild" in f
            or "breathing_severe" in f
        ):
            flags["anaphylaxis"] = ev("face_swelling", "allergen")
        else:
            flags["facial_swelling"] = ev("face_swelling")

    # Mental health
    if "suicide_intent" in f:
        flags["suicidal_intent"] = ev("suicide_intent")
    elif "suicide_passive" in f and "suicide_plan" in f:
        flags["suicidal_intent"] = ev("suicide_passive", "suicide_plan")
    elif "suicide_passive" in f:
        flags["suicidal_ideation"] = ev("suicide_passive")
    if "self_harm" in f:
        flags["self_harm"] = ev("self_harm")
    if "overdose" in f:
        flags["overdose"] = ev("overdose")

    # Pregnancy
    if pregnant:
        if "abdominal_pain" in f:
            if "severity" in f:
                flags["pregnancy_severe_abdominal_pain"] = ev("pregnant", "abdominal_pain", "severity")
            else:
                flags["pregnancy_abdominal_pain"] = ev("pregnant", "abdominal_pain")
        if "fetal_absent" in f:
            flags["absent_fetal_movements"] = ev("fetal_absent")
        elif "fetal_reduced" in f:
            flags["reduced_fetal_movements"] = ev("fetal_reduced")
        if "headache_severe" in f or "visual_disturbance" in f or "seizure_any" in f or "thunderclap" in f:
            flags["pregnancy_neuro"] = ev("pregnant", "headache_severe", "visual_disturbance", "seizure_any")
    elif "abdominal_pain" in f and "severity" in f:
        flags["severe_abdominal_pain"] = ev("abdominal_pain", "severity")

    # Infants, meningitis, sepsis
    if "fever" in f and "infant" in f:
        flags["infant_fever"] = ev("infant", "fever")
    if "nonblanching_rash" in f or ("fever" in f and ("stiff_neck" in f or "purple_rash" in f)):
        flags["meningitis_signs"] = ev("nonblanching_rash", "purple_rash", "stiff_neck", "fever")
    if "sepsis_word" in f or "mottled" in f or ("fever" in f and ("confusion" in f or "no_urine" in f)):
        flags["sepsis_signs"] = ev("sepsis_word", "fever", "confusion", "mottled", "no_urine")
    if "floppy_child" in f and ("child" in f or "infant" in f):
        flags["unwell_child"] = ev("child", "infant", "floppy_child")
    if "confusion" in f and "sepsis_signs" not in flags and "unwell_child" not in flags:
        flags["acute_confusion"] = ev("confusion")
    if "fever" in f and "child" in f and "not_drinking" in f and "infant_fever" not in flags:
        flags["child_fever_dehydration"] = ev("child", "fever", "not_drinking")

    if "leg_swelling" in f:
        flags["possible_dvt"] = ev("leg_swelling")

    # Poisoning, burns, trauma
    if "poisoning" in f:
        flags["poisoning"] = ev("poisoning")
    if "vape_ingestion" in f:
        flags["poisoning"] = ev("vape_ingestion")
    if "child_ingestion" in f and "child" in f:
        flags["poisoning"] = ev("child", "child_ingestion")
    if "burn_severe" in f:
        if "burn_minor" in f:
            flags["burn_review"] = ev("burn_severe", "burn_minor")
        else:
            flags["severe_burn"] = ev("burn_severe")
    if "trauma" in f and "no_injury" not in f and "low_energy" not in f:
        flags["major_trauma"] = ev("trauma")
    if "head_injury" in f and ("loc" in f or "unresponsive" in f):
        flags["head_injury_loc"] = ev("head_injury", "loc", "unresponsive")

    return flags


# Each ``when`` alternative filed under its first term: only alternatives one of whose terms was found are
# checked (a message finds a handful of terms; the catalogue has hundreds of alternatives).
_FLAG_ORDER = {flag_id: n for n, flag_id in enumerate(_CATALOGUE.flags)}
_WHEN_BY_TERM: dict[str, list[tuple[str, int, frozenset[str]]]] = {}
for _flag in _CATALOGUE.flags.values():
    for _n, _alternative in enumerate(_flag.when):
        _WHEN_BY_TERM.setdefault(_alternative[0], []).append((_flag.id, _n, frozenset(_alternative)))


def _catalogue_flags(f: dict[str, _Finding]) -> dict[str, tuple[str, bool]]:
    """code -> (evidence, escalated) for the catalogue's data-driven flags: a direct phrase, or every term
    of one ``when`` alternative (and none of ``unless``); ``escalate`` terms raise an urgent floor."""
    found = f.keys()
    chosen: dict[str, tuple[int, tuple[str, ...]] | None] = {}  # flag id -> (alternative number, terms)
    for name in found:
        if name.startswith(_FLAG_PREFIX):
            chosen[name[len(_FLAG_PREFIX) :]] = None
        for flag_id, number, terms in _WHEN_BY_TERM.get(name, ()):
            if not terms <= found:
                continue
            current = chosen.get(flag_id, (len(_CATALOGUE.flags[flag_id].when), ()))
            if current is not None and number < current[0]:  # None: a direct phrase, which wins
                chosen[flag_id] = (number, _CATALOGUE.flags[flag_id].when[number])
    flags: dict[str, tuple[str, bool]] = {}
    for flag_id in sorted(chosen, key=_FLAG_ORDER.__getitem__):
        flag = _CATALOGUE.flags[flag_id]
        if any(term in f for term in flag.unless):
            continue
        direct = f.get(_FLAG_PREFIX + flag_id)
        alternative = chosen[flag_id]
        if direct is not None:
            evidence = direct.evidence
        elif alternative is not None:
            evidence = " + ".join(dict.fromkeys(f[term].evidence for term in alternative[1]))
        else:
            continue
        escalator = next((f[term] for term in flag.escalate if term in f), None)
        if escalator is not None and escalator.evidence not in evidence:
            evidence = f"{evidence} + {escalator.evidence}"
        flags[flag_id] = (evidence, escalator is not None)
    return flags


def _instruction(floor: Urgency | None, language: Language) -> str | None:
    if floor is Urgency.EMERGENCY:
        return patient_messages.text_for(patient_messages.EMERGENCY, language)
    if floor is Urgency.URGENT:
        return patient_messages.text_for(patient_messages.URGENT, language)
    return None


def _red_flag(code: str, evidence: str, escalated: bool = False) -> RedFlag:
    label, floor = FLAGS[code]
    if escalated and floor is not Urgency.EMERGENCY:
        return RedFlag(
            code=code, label=f"{label} (with a severity sign)", floor=Urgency.EMERGENCY, evidence=evidence
        )
    return RedFlag(code=code, label=label, floor=floor, evidence=evidence)


# ---------------------------------------------------------------------------------------------------
# The statistical model (item 6 of issue 11): it reads only the clauses the analysis above calls current
# ---------------------------------------------------------------------------------------------------

MODEL_CODE = "model_emergency_signal"
MODEL_LABEL = "Statistical model: wording resembles an emergency; no specific rule matched"
# The shipped default (docs/decisions.md, issue 11 item 6: decided by one pre-registered holdout_v4 run).
MODEL_ON_BY_DEFAULT = True
_QUESTION_SENTENCE = re.compile(r"[^?.!;\n]*\?")
_QUESTION_START = re.compile(
    r"\s*(?:is|are|does|do|did|can|could|should|would|will|how|what|when|why|which|if|whats|es|son|puede|"
    r"pode|como|cual|qual|que|quando|cuando|sera|seria|isso|esto|eso|existe|hay|tem como)\b"
)


def _current_clauses(normalized: str, languages: tuple[Language, ...]) -> list[str]:
    """The clauses of a message that describe the writer's present problem: not negated (any cue in the
    clause), not past, family history, hypothetical or managed, and not in a question sentence ("is this a
    stroke?")."""
    negation_language = languages[0] if len(languages) == 1 else Language.EN
    cue = _NEGATION_CUE[negation_language]
    statements = _QUESTION_SENTENCE.sub(
        lambda m: " . " if _QUESTION_START.match(m.group()) else m.group().replace("?", " . "), normalized
    )
    kept: list[str] = []
    for whole in dict.fromkeys(c for language in languages for c in _clauses(statements, language)):
        presenting = _PRESENTING.search(whole)
        if presenting and presenting.start() > 0 and _PAST.search(whole, 0, presenting.start()):
            parts = [whole[presenting.start() :]]
        else:
            parts = [whole]
        for clause in parts:
            if _suppression(clause) is None and not cue.search(_NOT_A_NEGATION.sub(" ", clause)):
                kept.append(clause)
    return kept


# Clinical evidence the model needs before it may fire (issue 11d): a catalogue term or vital sign the rules
# found, or one of these symptom/body/clinical words (en/es/pt, stems) in the current clauses. Without it
# the message is not about a body ("the app won't load", "secret words only") and wording alone cannot make
# it an emergency: the model judges wording, and words it never saw in a benign line scored high.
_MODEL_EVIDENCE = re.compile(
    r"\b(?:"
    # English: breathing, colour, consciousness, neuro, cardiac, body parts, bleeding, gut, pain, fever,
    # pregnancy and babies, self-harm and poisoning, injury, metabolic, named emergencies
    r"breath\w*|chok\w*|gasp\w*|wheez\w*|blue\w*|grey|gray|pale|clammy|sweat\w*|faint\w*|collaps\w*|"
    r"blacking|blacked|passed|unconscious|unresponsive|wake|drows\w*|confus\w*|seiz\w*|fits?|fitting|"
    r"convuls\w*|shak\w*|slur\w*|droop\w*|numb\w*|weak\w*|paralys\w*|speech|vision|blind\w*|head\w*|neck|"
    r"chest|heart|puls\w*|racing|palpit\w*|arms?|legs?|face|jaw|lips?|tongue|throat|swell\w*|swollen|"
    r"rash\w*|hives|allerg\w*|sting\w*|bleed\w*|blood\w*|vomit\w*|sick|diarrh?o?ea|stool|urine|pee|belly|"
    r"tummy|stomach|abdom\w*|pain\w*|hurt\w*|ache\w*|agony|burn\w*|scald\w*|fever\w*|temperature|"
    r"shiver\w*|rigors?|pregnan\w*|labou?r|waters|baby|infant|newborn|suicid\w*|kill\w*|die|dying|"
    r"overdos\w*|pills|tablets|swallow\w*|poison\w*|bleach|goodbye|harm\w*|wound\w*|fell|fall\w*|hit|"
    r"crash\w*|accident|injur\w*|broken|fractur\w*|bone|eyes?|sugar|glucose|insulin|diabet\w*|ketone\w*|"
    r"asthma|inhaler|epipen|anaphyla\w*|stroke|attack|sepsis|meningit\w*|purple|stiff|cold|"
    # Spanish
    r"respir\w*|ahog\w*|aire|labios?|morad\w*|desmay\w*|inconsciente|pecho|corazon|brazo|pierna|cara|"
    r"boca|habla|sangr\w*|fiebre|dolor\w*|duele|embaraz\w*|bebe|matar\w*|morir\w*|pastillas|veneno|"
    r"quemad\w*|caida|golpe|ojos?|azucar|insulina|"
    # Portuguese
    r"ar|sufoc\w*|roxo|desmai\w*|desacordad\w*|peito|coracao|braco|perna|rosto|fala|sangu\w*|febre|dor|"
    r"doi|gravid\w*|morrer|comprimidos|queda|caiu|olhos?|acucar|glicose|"
    # French, Italian, German, Dutch (the screen's other languages get every rule set; a few core words)
    r"poitrine|respir\w*|douleur\w*|sang|inconscient\w*|evanoui\w*|petto|dolore|sangue|svenut\w*|"
    r"brust\w*|atem\w*|schmerz\w*|blut\w*|bewusstlos|borst\w*|adem\w*|pijn|bloed\w*|bewusteloos"
    r")\b"
)


def _model_may_fire(current: str, found: dict[str, _Finding]) -> bool:
    """The model's gate: clinical evidence in the current clauses (a rule finding or an evidence word)."""
    return bool(current) and (bool(found) or _MODEL_EVIDENCE.search(current) is not None)


def model_evidence(text: str) -> bool:
    """Whether the model may fire on this message at all (the training script applies the same gate)."""
    guess = detect_language_detail(text)
    languages = (guess.language,) if guess.confident else tuple(Language)
    normalized = normalize(text)
    return _model_may_fire(model_text(text), _all_findings(normalized, languages))


def _all_findings(normalized: str, languages: tuple[Language, ...]) -> dict[str, _Finding]:
    clauses = list(dict.fromkeys(c for language in languages for c in _clauses(normalized, language)))
    found = _findings(clauses, languages)
    for term, evidence in vitals.findings(normalized).items():
        found.setdefault(term, _Finding(term, evidence))
    return found


def model_text(text: str) -> str:
    """What the statistical model reads of a message (the training script uses the same function)."""
    guess = detect_language_detail(text)
    languages = (guess.language,) if guess.confident else tuple(Language)
    return " | ".join(_current_clauses(normalize(text), languages))


def _model_flag(
    normalized: str, languages: tuple[Language, ...], found: dict[str, _Finding]
) -> RedFlag | None:
    current = " | ".join(_current_clauses(normalized, languages))
    if not _model_may_fire(current, found):
        return None
    model = textmodel.default()
    score = model.score(current)
    if score < model.threshold:
        return None
    return RedFlag(
        code=MODEL_CODE,
        label=MODEL_LABEL,
        floor=Urgency.EMERGENCY,
        evidence=f"score {score:.2f} (threshold {model.threshold:.2f}, model {model.version})",
    )


def assess(text: str, *, model: bool | None = None) -> Assessment:
    """Red flags in a patient's text, the urgency floor they set and what to tell the patient now.

    When the language is uncertain, every language's clause and negation rules are applied; when it looks
    like another language (French, German, Italian...), the answer is also in English. ``model`` switches the
    statistical model on or off for this call (default: ``MODEL_ON_BY_DEFAULT``).
    """
    guess = detect_language_detail(text)
    languages = (guess.language,) if guess.confident else tuple(Language)
    # Unsure between en/es/pt: every rule set, but the reply keeps the best guess (a short "no puedo
    # respirar" is answered in Spanish). Another language (French, German...): every rule set, English reply.
    reply_language = Language.EN if guess.foreign else guess.language
    normalized = normalize(text)
    found = _all_findings(normalized, languages)
    chosen: dict[str, RedFlag] = {}
    for code, evidence in _rules(found).items():
        chosen[code] = _red_flag(code, evidence)
    for code, (evidence, escalated) in _catalogue_flags(found).items():
        candidate = _red_flag(code, evidence, escalated)
        if code not in chosen or candidate.floor > chosen[code].floor:
            chosen[code] = candidate
    use_model = MODEL_ON_BY_DEFAULT if model is None else model
    if use_model and most_urgent(*(flag.floor for flag in chosen.values())) is not Urgency.EMERGENCY:
        # max(rules, model): the model can only add an emergency flag, never remove or lower one
        signal = _model_flag(normalized, languages, found)
        if signal is not None:
            chosen[signal.code] = signal
    red_flags = sorted(chosen.values(), key=lambda flag: (flag.floor.rank, flag.code))
    floor = most_urgent(*(flag.floor for flag in red_flags))
    return Assessment(
        language=reply_language,
        red_flags=red_flags,
        urgency_floor=floor,
        patient_instruction=_instruction(floor, reply_language),
        rules_version=RULES_VERSION,
    )
