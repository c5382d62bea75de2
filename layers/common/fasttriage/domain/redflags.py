"""The deterministic red-flag engine: patient text in, an Assessment out.

Runs synchronously in the webhook before anything else, so it is pure Python (stdlib `re` and
`unicodedata`), compiled once at import and well under a millisecond for a typical message.

How it reads a message:
1. normalize: lower-case, strip accents, drop emoji and apostrophes, collapse "paaaain" to "pain";
2. split into clauses (sentences, "but"/"pero"/"mas", "and now"/"y ahora"/"e agora", ...);
3. skip clauses about the past ("2 years ago", "hace 2 años", "it was checked"), a relative's history
   ("my father had ...", "mi padre tuvo ...") or a hypothetical ("what should I do if ..."), unless the
   clause itself says "now"/"ahora"/"agora";
4. find atomic findings (chest pain, fever, pregnancy, ...) in the remaining clauses, dropping any with a
   negation cue ("no", "sin", "não", "denies", ...) a few words before it;
5. combine findings across the whole message into flags (fever + confusion -> sepsis signs, pregnancy +
   heavy bleeding -> pregnancy emergency, ...). Each flag carries its floor urgency.

When in doubt about a true emergency sign the engine says emergency: a false alarm costs a phone call,
a miss can cost a life.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from fasttriage.domain import patient_messages
from fasttriage.domain.language import detect_language
from fasttriage.domain.models import Assessment, Language, RedFlag
from fasttriage.domain.urgency import Urgency, most_urgent

RULES_VERSION = "redflags-2026.11.28-1"

_E = Urgency.EMERGENCY
_U = Urgency.URGENT

# code -> (clinician-facing label, floor)
FLAGS: dict[str, tuple[str, Urgency]] = {
    "cardiac_chest_pain": ("Chest pain with cardiac features", _E),
    "chest_pain": ("Chest pain without clear cardiac features", _U),
    "severe_breathing_difficulty": ("Severe breathing difficulty", _E),
    "breathlessness": ("Shortness of breath", _U),
    "stroke_signs": ("Stroke signs (face droop, limb weakness or speech trouble)", _E),
    "neuro_symptom_review": ("Limb numbness/weakness or speech trouble, benign cause suggested", _U),
    "sudden_vision_loss": ("Sudden loss of vision", _E),
    "thunderclap_headache": ("Sudden or worst-ever headache", _E),
    "collapse_unresponsive": ("Collapse or unresponsiveness", _E),
    "syncope_recovered": ("Fainted, reported recovered", _U),
    "seizure": ("Seizure, ongoing, prolonged or just happened", _E),
    "seizure_recovered": ("Seizure, reported recovered", _U),
    "uncontrolled_bleeding": ("Uncontrolled or heavy bleeding", _E),
    "vomiting_blood": ("Vomiting blood", _E),
    "coughing_blood": ("Coughing up blood", _U),
    "gi_bleeding": ("Black stools or blood in stool", _U),
    "anaphylaxis": ("Possible anaphylaxis (airway swelling)", _E),
    "facial_swelling": ("Lip or face swelling without airway signs", _U),
    "suicidal_intent": ("Suicidal intent", _E),
    "suicidal_ideation": ("Suicidal thoughts without stated intent", _U),
    "self_harm": ("Self-harm", _U),
    "overdose": ("Overdose", _E),
    "pregnancy_heavy_bleeding": ("Heavy bleeding in pregnancy", _E),
    "pregnancy_bleeding": ("Bleeding or spotting in pregnancy", _U),
    "pregnancy_severe_abdominal_pain": ("Severe abdominal pain in pregnancy", _E),
    "pregnancy_abdominal_pain": ("Abdominal pain in pregnancy", _U),
    "absent_fetal_movements": ("No fetal movements", _E),
    "reduced_fetal_movements": ("Reduced fetal movements", _U),
    "pregnancy_neuro": ("Seizure, severe headache or visual disturbance in pregnancy", _E),
    "infant_fever": ("Fever in an infant under 3 months", _E),
    "meningitis_signs": ("Meningitis signs (non-blanching rash or stiff neck with fever)", _E),
    "poisoning": ("Poisoning or harmful ingestion", _E),
    "severe_burn": ("Severe burn", _E),
    "burn_review": ("Scald or burn described as small", _U),
    "major_trauma": ("Major trauma", _E),
    "head_injury_loc": ("Head injury with loss of consciousness", _E),
    "sepsis_signs": ("Sepsis signs (fever with confusion, mottled skin, ...)", _E),
    "severe_abdominal_pain": ("Severe abdominal pain", _U),
    "possible_dvt": ("Painful swollen leg (possible DVT)", _U),
    "child_fever_dehydration": ("Child with fever not drinking", _U),
    "unwell_child": ("Floppy, limp or hard-to-wake child", _E),
    "acute_confusion": ("New confusion or drowsiness", _U),
}

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
    return _SPACES.sub(" ", plain).strip()


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
)
_RELATIVE = (
    r"(?:my|mi|mis|meu|minha|meus|minhas|his|her|su|sus|seu|sua)\s+(?:\w+\s+)?"
    r"(?:father|dad|daddy|mother|mum|mom|mummy|brother|sister|grandad|grandpa|grandfather|grandma|granny|"
    r"grandmother|uncle|aunt|auntie|cousin|family|parents?|padre|papa|madre|mama|hermano|hermana|abuelo"
    r"|abuela|"
    r"tio|tia|primo|prima|familia|pai|mae|irmao|irma|avo|primo|prima)"
)
_FAMILY_HISTORY = re.compile(
    rf"\b{_RELATIVE}\s+(?:\w+\s+)?(?:had|has had|died|passed away|suffered|tuvo|tenia|murio|fallecio|sufrio|"
    r"ha tenido|teve|tinha|morreu|faleceu|sofreu)\b"
    r"|\bfamily history\b|\bruns in (?:my|the|our) family\b|\bantecedentes? familiar|\bhistorico familiar"
    r"|\bhereditari|\bdied (?:of|from)\b|\bmurio de\b|\bmorreu de\b"
)
_HYPOTHETICAL = re.compile(
    r"\bwhat (?:should|do|would|could|can|must) (?:i|we|you|one|people) do (?:if|when|in case)\b"
    r"|\bwhat (?:if|happens if)\b|\bwhat to do (?:if|when|in case)\b|\bin case\b|\bhow (?:do i|can i|to"
    r"|do you) "
    r"(?:know|tell|recogni[sz]e|spot)\b|\bwhat are (?:the )?(?:signs|symptoms)\b"
    r"|\bif (?:someone|somebody|anyone|a person|a child|a baby|my \w+(?: \w+)?|your \w+) "
    r"(?:ever )?(?:get|gets|got|has|have|had|is|are|starts?|swallows?|were|was|develops?|becomes?|shows?"
    r"|eats?|drinks?)\b"
    r"|\bif (?:i|we|he|she|they) (?:ever|were to|should|get|gets|develop|develops)\b"
    r"|\bque (?:hago|hacer|debo hacer|puedo hacer|hacemos|se hace) (?:si|cuando|en caso)\b|\by si\b"
    r"|\bsi (?:alguien|mi|un|una|tu|el|ella)\b|\ben caso de\b|\bcomo (?:se|saber|reconocer|se si) (?:si"
    r"|cuando)?"
    r"|\bcuales son (?:los )?(?:signos|sintomas)\b"
    r"|\bo que (?:fazer|faco|eu faco|devo fazer|posso fazer|a gente faz|se faz) (?:se|quando|caso|em caso)\b"
    r"|\be se (?:eu|ele|ela|alguem|meu|minha|o|a|um|uma|tiver|for|acontecer)\b|\bse (?:alguem|meu|minha|um"
    r"|uma|eu tiver|ele tiver|ela tiver)\b|\bcaso (?:alguem|meu|minha|eu|ele|ela)\b"
    r"|\bcomo (?:saber|sei|reconhecer) se\b|\bem caso de\b|\bquais (?:sao )?(?:os )?(?:sinais|sintomas)\b"
)
# "I don't know if he is breathing" is not a hypothetical: remove these before looking for one.
_NOT_HYPOTHETICAL = re.compile(
    r"\b(?:dont|do not|not|no|nao) (?:know|sure|sabe|se|sei|tengo idea)(?: \w+)? (?:if|si|se)\b"
    r"|\b(?:check|see|tell|ask|sabe|saber|ver) (?:if|si|se)\b"
)
_CHRONIC = re.compile(r"\bwell controlled\b|\bbien controlad[ao]s?\b|\bbem controlad[ao]s?\b")
_PRESENT = re.compile(
    r"\b(?:now|right now|currently|at the moment|still|ahora|ahorita|ahora mismo|todavia|agora|ainda|"
    r"neste momento|every hour|cada hora|a cada hora|after giving birth|since giving birth|despues del parto|"
    r"depois do parto|is|isnt|are|arent|cant|cannot|wont|keeps|esta|estan|sigue|no puede|no responde|ta|"
    r"nao consegue|nao consigo|nao responde)\b"
)


def _suppressed(clause: str) -> bool:
    """True for a clause about the past, a relative's history, a hypothetical or a managed condition."""
    if _HYPOTHETICAL.search(_NOT_HYPOTHETICAL.sub(" ", clause)):
        return True
    if _CHRONIC.search(clause):
        return True
    if _PRESENT.search(clause):
        return False
    return bool(_PAST.search(clause) or _FAMILY_HISTORY.search(clause))


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
_WINDOW_WORDS = 4  # the cue itself plus up to three words between it and the finding
_LIST_WINDOW_WORDS = (
    9  # "without any shortness of breath or chest pain": a cue reaches through "or"/"ni"/"nem"
)
_COORDINATOR = re.compile(r"\b(?:or|nor|ni|nem|ou)\b")


def _negated(clause: str, start: int, language: Language) -> bool:
    before = clause[:start]
    breaks = list(_WINDOW_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    words = before.split()
    coordinated = _COORDINATOR.search(" ".join(words[-_WINDOW_WORDS:]))
    words = words[-(_LIST_WINDOW_WORDS if coordinated else _WINDOW_WORDS) :]
    window = " " + " ".join(words) + " "
    window = _NOT_A_NEGATION.sub(" ", window)
    return bool(_NEGATION_CUE[language].search(window))


# ---------------------------------------------------------------------------------------------------
# Findings: atomic observations, each a compiled pattern over normalized text
# ---------------------------------------------------------------------------------------------------

_CHEST = r"(?:chest|chets|cheast|chset|chst)"
_PAIN = r"(?:pain|pains|pian|pani|payn|ache|aches|hurts?|hurting|discomfort)"
_PRONOUN = r"(?:my|his|her|their|the|your|our)"
_BREATHE = r"(?:breathe|breath|breth|breathing|brething|breate)"
_BLEED = r"(?:bleeding|bleed|bleeds|bled|bleading|bleding)"
_SEVERE = (
    r"(?:severe|severly|severely|really bad|very bad|so bad|terrible|horrible|awful|agonising|agonizing"
    r"|unbearable|"
    r"extreme|excruciating|intense|worst|cant stand|cant walk|muy fuerte|fuertisimo|insoportable|terrible|"
    r"horrible|intenso|intensa|fortisima|muito forte|insuportavel|fortissima|forte demais|muy intenso|"
    r"muito intensa|grave|severa|severo|fuerte|forte|muy mal|muito mal|muchisimo|demasiado|demais|so much|"
    r"really hurts|killing me)"
)

_FINDING_SOURCES: dict[str, str] = {
    # --- chest ---
    "chest_pain": (
        rf"\b{_CHEST} ?{_PAIN}|\b(?:{_PAIN}|pressure|tightness|heaviness|squeezing|weight) (?:in|on"
        rf"|across) {_PRONOUN} {_CHEST}"
        rf"|\b(?:clutching|holding|grabbing|gripping) {_PRONOUN} {_CHEST}"
        rf"|\b(?:heavy|tight|squeezing|crushing|pressing|pressure|burning|sharp) (?:feeling|sensation"
        rf"|pain) (?:\w+ ){{0,5}}{_CHEST}"
        rf"|\b{_CHEST} (?:is |feels |feel )?(?:really |very |so |a bit |quite |all )(?:tight|heavy|sore"
        rf"|painful|hurting)|\b{_CHEST} (?:is |feels |feel )?"
        r"(?:tight|tightness|heavy|heaviness|pressure|squeezing|crushing|hurts|hurting|sore and tight)"
        rf"|\b(?:tight|heavy|crushing|squeezing) {_CHEST}\b(?! cold| infection| congestion)"
        rf"|\b{_CHEST} (?:feels|is) like"
        r"|\bdolor(?:es)? (?:\w+ ){0,3}(?:en el|del|de|en|al) pecho|\b(?:me|le) (?:aprieta|duele|oprime|pesa"
        r"|arde) (?:mucho )?el pecho|\bdolor toracico|\bme duele (?:mucho )?el pecho"
        r"|\b(?:opresion|presion|peso|apreton|punzadas?) (?:\w+ )?(?:en el|del|de|en) pecho|\bpecho apretado"
        r"|\bdor(?:es)? (?:\w+ ){0,3}(?:no|do|de|na) peito|\bdor toracica|\bdoi (?:muito )?o peito"
        r"|\b(?:aperto|pressao|peso|pontada|queimacao forte) (?:\w+ )?(?:no|do|de) peito|\bpeito apertado"
        r"|\b(?:doendo|doi|doe|dolendo)(?: muito| demais)? (?:o|no|meu|meu) peito|\bpeito (?:ta "
        r"|esta )?doendo"
        r"|\b(?:se agarra|agarrandose|se toca) el pecho|\b(?:segurando|apertando) o peito"
    ),
    "cardiac_quality": (
        r"\b(?:crushing|crush|squeezing|squeeze|pressure|heavy|heaviness|tight|tightness|elephant|"
        r"sitting on (?:my|his|her) chest|vice|band around)\b"
        r"|\b(?:radiat\w*|spread\w*|going|goes|moving|shooting|travel\w*|down) (?:(?:down|up|into|to|up into"
        r"|down into|up to|down to|through to) )?"
        rf"(?:{_PRONOUN} )?(?:left )?(?:arm|arms|jaw|neck|shoulder|back)\b"
        r"|\b(?:left arm|jaw) (?:pain|hurts|ache|aching|numb|tingl\w*)|\bjaw pain|\bpain in (?:my |his "
        r"|her )?(?:jaw|left arm)"
        r"|\b(?:grey|gray|pale) and (?:sweaty|clammy)"
        r"|\b(?:feel|feeling|going to|gonna|about to) (?:like (?:i|im) (?:am )?(?:going to|gonna) )?(?:faint"
        r"|pass out|black out)"
        r"|\blight ?headed|\bmareo|\bmareado|\bmareada|\bme voy a desmayar|\btontura|\bvou desmaiar"
        r"|\bquase desmaiei"
        r"|\b(?:sweating|sweaty|sweats|clammy|cold sweat|pale and sweaty)\b"
        r"|\b(?:opresivo|opresiva|opresion|aprieta|apretando|apretaran|apreton|presion|peso|aplastante)\b"
        r"|\b(?:se (?:me |le )?(?:va|pasa|irradia|corre) (?:al|hacia el|a la|para el) (?:brazo|mandibula"
        r"|cuello|espalda))"
        r"|\b(?:irradia\w*|baja) (?:al|hacia el|por el|a la|pro|para o|pelo|ao) (?:brazo|braco|mandibula"
        r"|cuello|pescoco)"
        r"|\bbrazo izquierdo|\bbraco esquerdo|\b(?:sudor|sudando|sudoroso|sudorosa|suando|suor|suado|suada)\b"
        r"|\b(?:aperto|apertado|apertando|pressao|esmagando|esmagamento)\b"
        r"|\b(?:vai|desce|passa|corre) (?:pro|para o|pelo|ate o|pra) (?:braco|queixo|pescoco|mandibula)"
    ),
    "cardiac_strong": (
        r"\b(?:crushing|crushed|squeezing|elephant|vice|band around)\b|\bsitting on (?:my|his|her) chest"
        r"|\b(?:radiat\w*|spread\w*|going|goes|moving|shooting|travel\w*|down) (?:(?:down|up|into|to|up into"
        r"|down into|up to|down to) )?"
        rf"(?:{_PRONOUN} )?(?:left )?(?:arm|arms|jaw|neck|shoulder)\b|\bjaw pain|\bleft arm"
        r"|\b(?:sweating|sweaty|sweats|clammy|cold sweat)\b|\b(?:opresivo|opresiva|aplastante|sudor|sudando"
        r"|brazo izquierdo)\b"
        r"|\b(?:suando|suor|esmagando|braco esquerdo)\b|\bse (?:me |le )?(?:va|pasa|irradia|baja) (?:al"
        r"|hacia el|por el) brazo"
        r"|\b(?:vai|desce|passa|irradia) (?:pro|para o|pelo|ate o|pra) (?:braco|queixo|pescoco)"
    ),
    # Chest pain with an everyday mechanical cause ("from coughing", "when I press on it").
    "chest_benign": (
        r"\b(?:from|with|after) (?:all )?(?:the )?(?:coughing|cough|the gym|lifting|exercise|working out)"
        r"|\bwhen i (?:cough|press|move|twist|lift)"
        r"|\bwhen (?:i )?(?:breathe in|take a deep breath)|\b(?:con|por|de) (?:la )?tos\b|\bde tanto toser"
        r"|\bal toser|\bcuando toso"
        r"|\bal (?:presionar|apretar)|\bdel gimnasio|\b(?:de|com|por causa da) tosse|\bde tanto tossir"
        r"|\bquando (?:eu )?(?:tusso|aperto|respiro fundo)"
        r"|\bda academia"
    ),
    "heart_attack_now": (
        r"\b(?:having|is having|im having|hes having|shes having|think (?:its|this is|it is)) (?:a |an )?"
        r"(?:heart attack|cardiac arrest|stroke)"
        r"|\b(?:me|le) (?:esta )?dando (?:un |una )?(?:infarto|ataque (?:al corazon|cardiaco)|derrame|ictus)"
        r"|\b(?:esta|estoy|estara|esta teniendo|teniendo) (?:teniendo |sufriendo )?(?:un |una )?(?:infarto"
        r"|ataque (?:al corazon|cardiaco)|derrame|ictus)"
        r"|\b(?:to|ta|esta|estou|estar|estamos) (?:tendo|sofrendo|tendo um|com) (?:um |uma )?(?:infarto"
        r"|ataque cardiaco|avc|derrame)"
        r"|\btendo (?:um |uma )?(?:infarto|ataque cardiaco|avc|derrame)"
        r"|\bparada (?:cardiaca|cardiorrespiratoria)|\bcardiac arrest\b|\bparo cardiaco"
        r"|\b(?:creo que|acho que|parece) (?:es |e |que es |que e )?(?:un |uma |um )?(?:infarto|derrame|ictus|avc|acv)\b"
    ),
    # --- breathing ---
    "breathing_severe": (
        rf"\b(?:cant|can not|cannot|couldnt|unable to|struggling to|fighting to|barely|hardly|not|stopped"
        rf"|isnt|wont) {_BREATHE}\b"
        r"(?! (?:through|thru|out of|from|with) (?:my|his|her|the|one) (?:nose|nostril))"
        rf"|\b(?:dont|do not|not sure|cant tell)(?: know)? (?:if|whether) (?:he|she|hes|shes|they|the baby"
        rf"|my baby|it) (?:is |s )?(?:still )?{_BREATHE}"
        r"|\bno (?:se|sabemos) si (?:esta |sigue )?respira\w*|\bnao (?:sei|sabemos) se (?:ta "
        r"|esta )?respira\w*"
        rf"|\bnot {_BREATHE}|\bstopped {_BREATHE}|\bgasping\b|\bfighting for (?:breath|air)"
        rf"|\bcant get (?:any )?(?:air|a breath|my breath)"
        r"|\b(?:lips?|face|mouth|fingers|skin) (?:are |is |went |going |turning |gone |look |looks )?(?:blue"
        r"|purple|grey|gray)\b"
        r"|\b(?:turning|going|gone|went) (?:blue|purple)\b|\bchoking\b|\bcant (?:speak|talk"
        r"|finish) (?:in )?(?:full |whole )?sentences|\bcan barely (?:talk|speak)"
        rf"|\bcant catch {_PRONOUN}? ?breath|\binhaler (?:isnt|is not|not|doesnt|does not|wont) (?:help"
        rf"|work)\w*|\bsevere asthma"
        r"|\basthma attack|\bwheezing (?:really |very )?(?:badly|bad|loudly)|\b(?:ribs|chest|tummy"
        r"|skin between (?:his|her) ribs) (?:is |are )?sucking in"
        r"|\bsucking in (?:under|between|at) (?:his|her|the) ribs|\brecession\b|\bgrunting\b"
        r"|\bbreathing (?:really |very |super )?fast and (?:wheez\w*|struggl\w*|grunt\w*)"
        r"|\b(?:se le )?hunden las costillas|\bcostillas (?:hundidas|se hunden|se le marcan)"
        r"|\bcostelas (?:afundando|aparecendo|marcando)|\btiragem"
        r"|\brespirando (?:muito|muy) rapido|\brespira (?:muito|muy) rapido|\bbreathless at rest|\b(?:severe"
        r"|really bad|very bad|extreme|serious) (?:shortness of breath|breathing (?:problems?|difficulty"
        r"|trouble))"
        r"|\b(?:no puedo|no puede|no podia|no consigo|no logra|sin poder) respirar|\bno respira\b"
        r"|\bdejo de respirar"
        r"|\b(?:me|se|le) (?:esta )?(?:ahoga|ahogo|ahogando|asfixia|asfixiando)\b|\bahogandose|\basfixia"
        r"|\blabios (?:morados|azules|azulados|roxos|azulados)|\bse (?:esta )?poniendo (?:morado|azul)"
        r"|\bcrisis (?:de )?asma"
        r"|\b(?:mucha|muy grave|severa) (?:dificultad|falta de aire)|\bme falta mucho el aire"
        r"|\bnao (?:consigo|consegue|conseguia|to conseguindo|esta conseguindo) respirar"
        r"|\bnao (?:esta )?respira\w*|\bparou de respirar"
        r"|\bsem (?:conseguir|poder) respirar|\bsufoca\w*|\bficando roxo|\bficou roxo|\bcrise de asma"
        r"|\bsem ar\b"
        r"|\bfalta de ar (?:muito |bem )?(?:forte|grave|intensa|severa)|\bmuita falta de ar"
    ),
    "breathing_mild": (
        rf"\bshort (?:of|off) breath|\bshortness (?:of|off) breath|\bbreathless|\bout of breath|\bsob\b"
        rf"|\b(?:trouble|difficulty|difficult|hard time|problems?|struggle|struggling) (?:with )?{_BREATHE}"
        rf"|\bhard to {_BREATHE}|\bwheez\w*"
        r"|\b(?:me|le|nos) falta (?:el )?aire|\bfalta de aire|\bdificultad (?:para|al|de) respirar|\b(?:me"
        r"|le) cuesta respirar"
        r"|\bfalta de ar|\bdificuldade (?:para|pra|de|em) respirar|\bfolego curto|\bofegante"
        r"|\bcansaco pra respirar"
        r"|\bsem folego|\bchiado no peito|\bsilbido en el pecho"
    ),
    # --- stroke / neuro ---
    "stroke": (
        r"\b(?:face|mouth|smile) (?:is |was |has |went |looks |seems )?(?:drooping|droopy|dropped|dropping"
        r"|droop|twisted|crooked|lopsided|fallen)"
        r"|\b(?:drooping|droopy|crooked|lopsided) (?:face|mouth|smile)|\bone side of (?:my|his|her"
        r"|the) (?:face|body)"
        r"|\b(?:cant|can not|cannot|unable to) (?:move|lift|feel|use) (?:my|his|her) (?:left |right )?(?:arm"
        r"|leg|hand|side|face)"
        r"|\b(?:weakness|numbness|numb) (?:in|on|down) (?:one|the left|the right|my left|my right|his left"
        r"|his right|her left|her right) "
        r"|\bslurr\w*|\b(?:speech|talking|words) (?:is |are |sounds? )?(?:slurred|weird|strange|garbled"
        r"|jumbled|wrong|funny)"
        r"|\b(?:words|speech|talking) (?:\w+ ){0,4}(?:jumbled|garbled|slurred|mixed up|muddled|nonsense)"
        r"|\bwords (?:come|coming|came) out wrong|\bcant get (?:my|his|her) words out|\b(?:trouble|difficulty"
        r"|problems?) finding words"
        r"|\b(?:se le|se me) (?:torcio|tuerce|cayo|desvio) (?:la boca|la cara)|\bboca (?:torcida|torcido"
        r"|caida|desviada)"
        r"|\bcara (?:caida|torcida|dormida|paralizada|desviada)|\bun lado de la cara"
        r"|\bno (?:puedo|puede) mover (?:el|la|mi|su) (?:brazo|pierna|mano|lado)|\bno (?:siento|siente) (?:el"
        r"|la|mi|su) (?:brazo|pierna|cara|mano)"
        r"|\b(?:brazo|pierna|mano) (?:derecho|derecha|izquierdo|izquierda)? ?(?:paralizado|paralizada)"
        r"|\bhabla (?:arrastrada|rara|enredada|trabada)|\barrastra las palabras|\bno le salen las palabras"
        r"|\bboca torta|\brosto (?:torto|caido|paralisado)|\b(?:braco|perna|mao) (?:direito|direita|esquerdo"
        r"|esquerda)? ?paralisad\w*"
        r"|\bnao (?:consigo|consegue) (?:mexer|mover|levantar) (?:o|a|meu|minha) (?:braco|perna|mao)"
        r"|\bnao (?:sinto|sente) (?:o|a|meu|minha) (?:braco|perna|rosto|mao)"
        r"|\bfala (?:enrolada|arrastada|embolada|estranha|travada)|\benrolando a lingua"
        r"|\bfalando (?:enrolad\w*|arrastad\w*|embolad\w*|estranho)"
        r"|\bse (?:le|me) (?:durmio|adormecio|entumecio|paralizo) (?:\w+ ){0,4}(?:cara|brazo|pierna|lado)"
        r"|\bmitad (?:de la cara|del cuerpo)"
        r"|\blado (?:direito|esquerdo) do (?:corpo|rosto) (?:\w+ )?(?:fraco|dormente|paralisado|mole|caido)"
        r"|\bmetade do (?:rosto|corpo)"
    ),
    # Stroke-like symptoms that have common benign explanations ("slept on my arm", "lost my voice"):
    # emergency unless the message gives such an explanation.
    "stroke_soft": (
        r"\b(?:arm|leg|hand|side|face) (?:\w+ ){0,2}(?:weak|numb|limp|dead|heavy|floppy|tingly)\b"
        r"|\bcant (?:speak|talk) (?:properly|right|clearly|normally)|\b(?:trouble|difficulty"
        r"|problems?) (?:speaking|talking)"
        r"|\b(?:brazo|pierna|mano|cara) (?:derecho|derecha|izquierdo|izquierda)? ?(?:dormid[oa]|debil"
        r"|sin fuerza|entumecid[oa])"
        r"|\bno (?:puede|puedo) hablar (?:bien|claro|normal)|\bdificultad para hablar"
        r"|\b(?:braco|perna|mao|rosto) (?:direito|direita|esquerdo|esquerda)? ?(?:fraco|fraca|dormente"
        r"|sem forca|mole|formigando)"
        r"|\bnao (?:consegue|consigo) falar (?:direito|bem|normal)|\bdificuldade (?:para|pra|de) falar"
    ),
    "benign_explanation": (
        r"\b(?:slept|sleeping|lying|lay|lain) on (?:it|my|his|her)|\bpins and needles|\b(?:lost|losing) (?:my"
        r"|his|her) voice|\bhoarse"
        r"|\bsore throat|\blaryngitis|\bafter (?:the |my |his |her )?(?:jab|vaccine|vaccination|injection"
        r"|flu jab|gym|workout|dentist)"
        r"|\bcarpal tunnel|\bdormi (?:encima|sobre|em cima)|\bdormido encima|\bsin voz|\bafonia|\bronquera"
        r"|\brouc[oa]|\brouquidao|\bsem voz"
        r"|\bdel dentista|\bdo dentista|\banestesia"
    ),
    "vision_loss": (
        r"\b(?:lost|losing|loss of) (?:the |my |his |her |all )?(?:vision|sight|eyesight)"
        r"|\b(?:went|gone|going) blind|\bblind in (?:one|my|his|her) (?:left |right )?eye|\bsuddenly (?:cant"
        r"|cannot) see"
        r"|\bcant see (?:out of|from|with) (?:one|my|his|her) (?:left |right )?eye|\bcurtain (?:came"
        r"|coming) down"
        r"|\bperdi (?:la )?(?:vision|vista)|\bperdio (?:la )?(?:vision|vista)|\bno (?:veo|ve) (?:nada )?(?:de"
        r"|por) un ojo|\bme quede ciego"
        r"|\bperdi (?:a )?(?:visao|vista)|\bperdeu (?:a )?(?:visao|vista)|\bnao (?:enxergo"
        r"|enxerga) (?:nada )?(?:de|com) um olho"
        r"|\bfiquei cego|\bficou cego|\bperda (?:de|da) (?:visao|vision)"
    ),
    "thunderclap": (
        r"\bworst (?:headache|head ache|pain) (?:of|in) (?:my|his|her) life|\bworst headache ever"
        r"|\bthunderclap"
        r"|\bheadache (?:came|come|started) (?:on )?(?:all of a sudden|suddenly|out of nowhere|like a)"
        r"|\bsudden (?:severe|terrible|explosive|massive) headache|\bnever (?:had|felt) (?:a "
        r"|such a )?(?:headache|head pain) (?:this|so|like)"
        r"|\bpeor dolor de cabeza|\bdolor de cabeza (?:\w+ ){0,3}(?:de golpe|de repente|repentino|subito"
        r"|como un trueno|explosivo)"
        r"|\bnunca (?:he tenido|tuve|habia tenido|senti) (?:un )?dolor de cabeza (?:asi|tan)"
        r"|\bpior dor de cabeca|\bdor de cabeca (?:\w+ ){0,3}(?:do nada|de repente|subita|repentina"
        r"|explosiva)"
        r"|\bnunca (?:tive|senti) (?:uma )?dor de cabeca (?:assim|tao)"
    ),
    "headache_severe": (
        rf"\b{_SEVERE} (?:headache|head ache|head pain)|\b(?:headache|head ache) (?:is |so )?{_SEVERE}"
        rf"|\bdolor de cabeza (?:\w+ )?{_SEVERE}|\b{_SEVERE} dolor de cabeza"
        rf"|\bdor de cabeca (?:\w+ )?{_SEVERE}|\b{_SEVERE} dor de cabeca"
        r"|\bmigrana (?:muy )?fuerte|\benxaqueca (?:muito )?forte"
    ),
    "visual_disturbance": (
        r"\bblurr\w* vision|\bvision (?:is )?blurr\w*|\bflashing lights|\bseeing (?:spots|stars|flashes)"
        r"|\bspots in front of"
        r"|\bvision borrosa|\bveo borroso|\bluces|\bvista (?:borrosa|nublada)|\bvision nublada"
        r"|\bvista (?:embacada|turva)|\bvisao (?:embacada|turva)|\benxergando (?:embacado|pontos)"
        r"|\bpontos (?:brilhantes|de luz)|\bluzes piscando"
    ),
    # --- collapse / seizure ---
    "unresponsive": (
        r"\bno pulse\b|\b(?:doing|giving|started) cpr\b|\bsin pulso\b|\bhaciendo rcp\b|\bsem pulso\b|\bfazendo (?:rcp|massagem)"
        r"|\bdrown\w*|\bse ahogo en|\bcasi se ahoga|\bafog\w*|"
        r"\bunconscious\b|\bunresponsive\b|\b(?:isnt|not|is not|stopped|wont|doesnt) (?:responding|respond"
        r"|waking|wake)"
        r"|\b(?:cant|cannot|can not|couldnt) (?:wake|rouse)|\bwont come round|\bout cold|\bwont wake"
        r"|\bno (?:responde|reacciona|despierta|se despierta|contesta)|\binconsciente"
        r"|\bperdio el conocimiento|\bperdio la conciencia"
        r"|\bperdio la consciencia|\bno lo (?:puedo|podemos) despertar|\bno la (?:puedo|podemos) despertar"
        r"|\bnao (?:responde|reage|acorda)|\bdesacordad[oa]|\bperdeu (?:a )?(?:consciencia|consciencia"
        r"|sentidos)"
        r"|\bnao (?:consigo|conseguimos) acorda\w*|\bapagou\b"
    ),
    "fainted": (
        r"\b(?:collapsed|collapse|collapsing|passed out|passing out|fainted|blacked out|keeled over)\b"
        r"|\b(?:se )?desmay\w*|\bdesmai\w*|\bdesfalec\w*|\bcaiu desmaiad\w*"
    ),
    "recovered": (
        r"\b(?:fine|ok|okay|alright|better|normal|good) now\b|\bnow (?:fine|ok|okay|alright|better|normal)\b"
        r"|\bfeels? (?:fine|ok|okay|better|normal)\b|\bcame round\b|\bback to normal\b|\bwoke up\b"
        r"|\bya (?:esta|estoy|estamos) bien\b|\bya (?:se )?recupero\b|\bahora (?:esta|estoy) bien\b"
        r"|\bja (?:esta|estou|to|ta) (?:bem|melhor|normal)\b|\bagora (?:esta|estou|to|ta) bem\b|\bja passou\b"
    ),
    "seizure_active": (
        r"\b(?:having|is having|in|started|starting) (?:a |another )?(?:seizure|seizures|fit|fits|convulsion"
        r"|convulsions)\b(?! of)"
        r"|\b(?:seizure|seizures|fit|fits|convulsion|convulsions|fitting|seizing"
        r"|shaking) (?:\w+ ){0,2}(?:wont|won t|isnt|not|doesnt|cant) stop"
        r"|\bseizing\b|\bconvulsing\b|\bfitting (?:now|for|and)|\b(?:seizure|fit|convulsion) (?:for|lasting"
        r"|lasted) (?:over |more than )?\d+"
        r"|\bstatus epilepticus|\bfirst (?:ever )?(?:seizure|fit|convulsion)"
        r"|\bconvulsionando|\besta convulsionando|\bconvulsiona\b|\b(?:una |un )?(?:convulsion"
        r"|ataque epileptico|crisis epileptica|crisis convulsiva)(?: \w+){0,2} (?:que )?no (?:para|se detiene"
        r"|se le pasa)"
        r"|\b(?:esta|sigue) (?:teniendo|con) (?:una |un )?(?:convulsion|convulsiones|ataque)"
        r"|\b(?:tendo|teve|com) (?:uma )?(?:convulsao|crise convulsiva|crise epileptica"
        r"|ataque epileptico)(?: \w+){0,2} (?:que )?nao para"
        r"|\b(?:ta|esta|to|estou) (?:tendo|com) (?:uma )?(?:convulsao|crise convulsiva|crise epileptica"
        r"|convulsoes)"
        r"|\bconvulsionando|\bconvulsao que nao para|\bconvulsion que no para"
    ),
    "seizure_any": (
        r"\b(?:seizure|seizures|convulsion|convulsions|convulsed|convulsing|seized up and|fitting)\b"
        r"|\b(?:had|has had|having|has) (?:a |another )?fit\b(?! of)"
        r"|\b(?:convulsion|convulsiones|convulsiono|convulsiono|ataque epileptico|crisis epileptica)\b"
        r"|\b(?:convulsao|convulsoes|convulsionou|crise convulsiva|crise epileptica|ataque epileptico)\b"
    ),
    # --- bleeding ---
    "bleeding_heavy": (
        rf"\b(?:wont|won t|will not|cant|cannot|doesnt|does not|isnt|not|never) stop(?:ping)? {_BLEED}"
        rf"|\b{_BLEED} (?:\w+ )?(?:wont|will not|doesnt|does not|isnt|is not|not) (?:stop|stopping|slowing)"
        rf"|\b{_BLEED} (?:very )?(?:heavily|heavy|a lot|lots|loads|badly|profusely|everywhere|non ?stop"
        rf"|like crazy|so much|too much)"
        r"|\b(?:bleed\w*|nosebleed|nose bleed|cut|wound|blood) (?:\w+ ){0,5}(?:that |which |and it )?(?:wont"
        r"|will not|doesnt|does not|isnt|cant|hasnt) stop"
        r"|\bgush\w* (?:of )?blood|\bchorro de sangre|\bjorro de sangue|\bheavy bleeding|\bblood everywhere"
        r"|\bpouring (?:with )?blood|\bspurting|\bgushing|\bsoak\w* (?:\w+ ){0,2}(?:towels?|pads?|through)"
        r"|\b(?:losing|lost) (?:a lot of|lots of|so much) blood|\b(?:a lot|lots|so much|loads) of blood"
        r"|\bhaemorrhag\w*|\bhemorrhag\w*"
        r"|\bno (?:para|deja|dejaba) de sangrar|\bsangr\w* (?:\w+ )?(?:mucho|muchisimo|sin parar|a chorros"
        r"|demasiado|abundante)"
        r"|\bsangrado (?:\w+ )?(?:abundante|fuerte|intenso|que no para|profuso)|\bmucha sangre"
        r"|\bsangre por todos lados|\bhemorragia"
        r"|\b(?:sangue|sangramento|sangrando) (?:que )?nao para|\bnao para de sangrar"
        r"|\bsangr\w* (?:\w+ )?(?:muito|demais|sem parar|forte|intenso)"
        r"|\b(?:muito|mucho|muita|mucha|bastante|tanto|tanta) (?:sangramento|sangrado|sangue|sangre)"
        r"|\bsangramento (?:\w+ )?(?:forte|intenso|abundante|grande)|\bmuito sangue|\bsangue (?:jorrando"
        r"|escorrendo)|\bperdendo muito sangue"
    ),
    "bleeding_any": (
        rf"\b{_BLEED}\b|\bspotting\b|\bblood (?:loss|clots?)\b|\bsangr\w*|\bmanchado\b|\bmanchando\b"
        rf"|\bperdida de sangre|\bperda de sangue|\bborra\b"
    ),
    "bleeding_light": (
        r"\b(?:spotting|a little (?:bit of )?(?:blood|bleeding)|light (?:bleeding|spotting)|bit of blood"
        r"|some blood)\b"
        r"|\b(?:un poco de|poquito de|un poquito de) (?:sangre|sangrado)|\bmanchado\b|\bmanchando\b"
        r"|\b(?:um pouco de|pouquinho de|um pouquinho de) (?:sangue|sangramento)|\bsangramento (?:leve"
        r"|pequeno)|\bescape\b"
    ),
    "vomit_blood": (
        r"\b(?:vomiting|vomited|vomit|vomits|throwing up|threw up|puking|puked|being sick"
        r"|sick up) (?:up )?(?:\w+ ){0,3}(?:blood|bright red)"
        r"|\bblood in (?:my |his |her )?(?:vomit|sick)|\bcoffee grounds?"
        r"|\bvomit\w* (?:\w+ ){0,3}sangre|\bsangre en el vomito|\bvomit\w* (?:\w+ ){0,3}sangue"
        r"|\bsangue no vomito"
    ),
    "cough_blood": (
        r"\bcough\w* (?:up )?(?:\w+ ){0,3}blood|\bblood when (?:i|he|she) cough|\btos\w* (?:con )?sangre"
        r"|\btoss\w* (?:com )?sangue"
        r"|\bescupiendo sangre|\bcuspindo sangue"
    ),
    "gi_bleed": (
        r"\bblack (?:stools?|poo|poop|tarry)|\b(?:poo|poop|stools?|faeces|feces) (?:is |are |look "
        r"|looks )?(?:black|tarry|bloody)"
        r"|\bblood in (?:my |his |her |the )?(?:stools?|poo|poop|faeces|feces)|\bbleeding from (?:my "
        r"|the )?(?:bottom|back passage|rectum)"
        r"|\b(?:heces|caca|deposiciones) (?:negras|con sangre)|\bsangre en (?:las |la )?(?:heces|caca"
        r"|deposiciones)"
        r"|\b(?:fezes|coco) (?:pretas?|preto|com sangue)|\bsangue (?:nas|no) (?:fezes|coco)"
    ),
    # --- allergy ---
    "airway_swelling": (
        r"\bthroat (?:\w+ ){0,4}(?:closing|closed|tight|tightening|swelling up|swollen shut)"
        r"|\bclos\w* (?:up )?(?:my|his|her) throat"
        r"|\btongue (?:\w+ ){0,2}(?:swelling|swollen|swelled|swell|puffing|puffed)|\bswollen tongue"
        r"|\bswelling (?:of|in) (?:the |my |his |her )?(?:tongue|throat)"
        r"|\banaphyla\w*|\bepi ?pen|\ballergic (?:reaction|shock) (?:\w+ ){0,4}(?:breath|throat|tongue)"
        r"|\bgarganta (?:\w+ ){0,2}(?:cerrando|cierra|cerrada|hinchad\w*|hinchando|inflamad\w* de golpe)"
        r"|\bse me (?:esta )?(?:hinchando|cerrando|hincho|cerro) la garganta"
        r"|\b(?:hinch\w*|cerr\w*|inflam\w*) (?:\w+ )?(?:la )?(?:garganta|lengua)\b"
        r"|\b(?:inch\w*|fech\w*) (?:\w+ )?(?:a )?(?:garganta|lingua)\b"
        r"|\blengua (?:\w+ ){0,3}(?:hinchad\w*|se (?:le |me )?hincha\w*|hinchando)|\b(?:hincho|hinchando"
        r"|hinchado) (?:\w+ )?la lengua|\banafila\w*"
        r"|\bgarganta (?:\w+ ){0,2}(?:fechando|fechou|fechada|inchad\w*|inchando)"
        r"|\blingua (?:\w+ ){0,3}(?:inchad\w*|inchando|inchou)"
        r"|\binchou (?:a )?(?:lingua|garganta)|\bchoque anafil\w*|\bchoque alergico|\bshock anafil\w*"
    ),
    "throat_swelling": (
        r"\bthroat (?:is |feels |getting |has )?(?:swelling|swollen|swelled)|\bswollen throat"
        r"|\bgarganta (?:\w+ )?(?:hinchad\w*|inflamad\w*|inchad\w*)"
    ),
    "face_swelling": (
        r"\b(?:lips?|face|mouth) (?:\w+ )?(?:swelling|swollen|swelled|puffing|puffy|puffed)"
        r"|\bswollen (?:lips?|face)"
        r"|\blabios? (?:\w+ )?(?:hinch\w*|inch\w*)|\bcara (?:\w+ )?hinch\w*|\b(?:hinch\w*"
        r"|inch\w*) (?:\w+ )?(?:los |os )?(?:labios|rosto|cara|boca)"
        r"|\brosto (?:\w+ )?inch\w*|\binchou (?:os labios|o rosto|a boca)"
    ),
    "allergen": (
        r"\b(?:stung|sting|bee|wasp|hornet|peanuts?|nuts?|shellfish|prawns?|shrimp|allerg\w*|penicillin"
        r"|antibiotic|ate|eating)\b"
        r"|\b(?:pico|picadura|abeja|avispa|mani|cacahuate|cacahuete|nueces|mariscos|camarones|comi|comio"
        r"|alergi\w*|penicilina)\b"
        r"|\b(?:picad[oa]|picada|abelha|vespa|marimbondo|amendoim|castanha|frutos do mar|camarao|comi|comeu"
        r"|alergi\w*|penicilina)\b"
    ),
    # --- mental health ---
    "suicide_intent": (
        r"\b(?:kill|killing|end|ending|take|taking) (?:myself|meself|my self|my (?:own )?life)\b"
        r"|\bend it all\b|\bsuicidal\b(?! thoughts| ideas)"
        r"|\b(?:commit|committing|attempt|attempted|attempting) suicide|\bsuicide (?:plan|note|attempt)"
        r"|\b(?:going to|gonna|will|plan to|planning to) (?:die|end it)\b|\bhave the pills ready"
        r"|\b(?:matarme|suicidarme|quitarme la vida|acabar con mi vida|me voy a matar|me quiero matar"
        r"|quiero matarme)\b"
        r"|\bme matar\b|\bme mato\b|\bvou me matar\b|\btirar (?:a )?minha (?:propria )?vida"
        r"|\bacabar com (?:a )?minha vida|\bquero me matar"
    ),
    "suicide_plan": (
        r"\b(?:going to|gonna) do it\b|\b(?:written|wrote|left|writing) (?:the|a|my) (?:note|letter)"
        r"|\bhave a plan\b|\bplanned (?:it|how)"
        r"|\bgoodbye (?:letter|note)|\bhave the (?:pills|rope|gun|tablets) ready"
        r"|\btengo (?:todo )?(?:preparado|planeado|listo)"
        r"|\bvoy a hacerlo|\bcarta de despedida|\bvou fazer isso|\bja (?:planejei|decidi)"
        r"|\btenho (?:tudo )?planejado"
        r"|\bvou tomar (?:todos|todas|tudo)|\bvoy a tomar(?:me)? (?:todas|todo)|\bgoing to take (?:all"
        r"|them all)"
    ),
    "suicide_passive": (
        r"\b(?:want|wanna|wish) (?:to )?(?:die|be dead|i was dead|i were dead|i wasnt here|to disappear)\b"
        r"|\bbetter off (?:dead|without me)"
        r"|\bsuicide\b|\bdont want to (?:live|be alive|be here|wake up)|\bno reason to live"
        r"|\bsuicidal (?:thoughts|ideas)|\bthoughts of (?:suicide|dying)"
        r"|\bno quiero (?:vivir|seguir viviendo|estar aqui|despertar)|\bquiero morir|\bme quiero morir"
        r"|\bmejor no estar aqui|\bmejor (?:si )?no existiera"
        r"|\bnao quero (?:mais )?(?:viver|acordar|estar aqui)|\bquero morrer"
        r"|\bmelhor (?:se eu )?nao estar aqui|\bmelhor sem mim|\bpensamentos suicidas"
        r"|\bideas suicidas|\bpienso en (?:morir|matarme|suicid\w*)"
    ),
    "self_harm": (
        r"\b(?:cutting|cut|hurting|hurt|burning|harming|harm) (?:myself|meself)(?: \w+)? (?:on purpose"
        r"|deliberately|again)"
        r"|\bcutting myself\b|\bhurting myself\b|\bself[ -]?harm\w*|\bharming myself"
        r"|\bme corto\b|\bcortarme\b|\bautolesi\w*|\bme (?:lastimo|hago dano) a proposito|\bhacerme dano"
        r"|\bme corto\b|\bme cortando\b|\bme machuc\w* de proposito|\bme machucado de proposito"
        r"|\bautomutila\w*|\bautolesao|\bme cortar\b"
    ),
    "overdose": (
        r"\boverdos\w*|\bod ?d\b|\btook (?:a |the |my )?(?:whole|entire|full) (?:packet|pack|box|bottle"
        r"|strip)"
        r"|\b(?:took|swallowed|taken|has taken|had) (?:all|lots|loads|a load|too many|a lot|a bunch|a handful"
        r"|handfuls|\d{2,}) (?:of )?(?:my |the |his |her |their )?(?:\w+ )?"
        r"(?:pills|tablets|meds|medication|medicine|paracetamol|sleeping|painkillers|antidepressants)"
        r"|\bsobredosis|\b(?:me tome|se tomo|tome|tomo) (?:todas|todo|muchas|un monte de|una caja|un frasco"
        r"|el frasco)"
        r"|\b(?:tomei|tomou|engoli|engoliu|tome|tomo|se tomo|me tome|trague)(?: uns| unos| mais de"
        r"| mas de)? (?:\d{2,}|vinte|trinta|quarenta|cincuenta|cinquenta|veinte|treinta"
        r"|cuarenta) (?:\w+ )?(?:comprimidos|pastillas|pilulas|capsulas|remedios|tabletas)"
        r"|\bsobredose|\b(?:tomei|tomou|engoli|engoliu) (?:uma caixa|todos|todas|muitos|muitas|um monte"
        r"|uma cartela|o frasco|a caixa)"
    ),
    # --- pregnancy ---
    "pregnant": (
        r"\bpregnan\w*|\bpreggers|\b(?:after|since) (?:giving birth|the birth|delivery|my delivery"
        r"|having (?:the|my) baby|my c ?section)"
        r"|\bpost ?partum|\bdespues del parto|\bpos ?parto|\bdepois do parto|\bpuerperio|\bresguardo"
        r"|\bexpecting (?:a baby|twins)|\b\d+ ?(?:weeks|wks|wk|w) (?:pregnant|gestation|along)"
        r"|\bembarazad\w*|\bembarazo\b|\bgestacion\b|\bgravida\b|\bgravidez\b|\bgestante\b|\bgestacao\b"
        r"|\bgravida de\b"
        r"|\b(?:estoy|estou|to|ta|esta) de \d+ ?(?:semanas|sem|meses)|\b\d+ semanas de (?:embarazo|gestacion"
        r"|gestacao|gravidez)"
        r"|\b(?:at|im|i am) \d+ ?(?:weeks|wks)\b"
    ),
    "fetal_absent": (
        r"\bbaby (?:has |hasnt |has not )?(?:stopped moving|not moved|hasnt moved|isnt moving"
        r"|not moving at all|no movement)"
        r"|\bno (?:fetal |baby )?movements? (?:at all|since|all day|today)|\bcant feel (?:the "
        r"|my )?baby (?:move|moving) at all"
        r"|\b(?:el )?bebe (?:ya )?no se (?:mueve|ha movido)|\bdejo de moverse|\bno siento (?:al|el|mi) bebe"
        r"|\b(?:o )?bebe (?:ja )?(?:nao (?:mexe|se mexe|se mexeu|mexeu)|parou de mexer)|\bnao sinto (?:o"
        r"|meu) bebe"
    ),
    "fetal_reduced": (
        r"\b(?:baby|babys|fetal|foetal) (?:\w+ ){0,3}(?:moving|movements?|kicking|kicks) (?:less|as much|much"
        r"|very little|fewer)"
        r"|\b(?:reduced|less|fewer|decreased|not as many) (?:fetal |baby |foetal )?(?:movements?|kicks"
        r"|kicking)"
        r"|\bnot (?:been )?moving (?:as much|much|less)|\bhasnt been moving (?:as much|much)"
        r"|\bisnt moving (?:as much|much)"
        r"|\bse mueve (?:menos|poco|muy poco)|\bmenos movimientos|\bse ha movido menos|\bno se mueve (?:como"
        r"|tanto)"
        r"|\bmexendo (?:menos|pouco)|\bmexe (?:menos|pouco)|\bmenos movimentos|\bse mexendo menos"
        r"|\bnao (?:esta )?mexendo (?:muito|tanto)"
    ),
    "abdominal_pain": (
        r"\b(?:stomach|belly|tummy|abdominal|abdomen|lower abdominal|pelvic|tummie) ?(?:pain|pains|ache"
        r"|cramps?|hurts)"
        r"|\b(?:pain|cramps?) in (?:my |her |the )?(?:stomach|belly|tummy|abdomen)"
        r"|\b(?:pain|cramps?) (?:\w+ ){0,2}(?:low|lower) (?:down|on (?:the|my|her) (?:left|right)|in (?:my"
        r"|the|her) (?:belly|tummy|stomach|abdomen|pelvis))"
        r"|\b(?:lower|low) (?:right |left )?(?:side|belly|tummy|abdomen) (?:pain|hurts|ache)|\bpelvic pain"
        r"|\bdolor (?:\w+ ){0,3}(?:bajo vientre|en el lado (?:derecho|izquierdo) de la (?:barriga|panza))"
        r"|\bdolor de ovario"
        r"|\bdor (?:\w+ ){0,3}(?:no pe da barriga|embaixo da barriga|no baixo ventre|do lado (?:direito"
        r"|esquerdo) da barriga)"
        r"|\bdolor (?:\w+ ){0,3}(?:de|en la|en el|del) (?:barriga|panza|vientre|abdomen|estomago|tripa)"
        r"|\bdolor abdominal"
        r"|\bme duele (?:mucho )?(?:la barriga|la panza|el vientre|el estomago)|\bcolicos? (?:fuertes?)?"
        r"|\bdor (?:\w+ ){0,3}(?:na|de|no) (?:barriga|abdomen|abdome|estomago|ventre|pe da barriga)"
        r"|\bdor abdominal|\bcolica"
    ),
    # --- infants, fever, meningitis, sepsis ---
    "fever": (
        r"\b(?:fever|fevers|feverish|febrile|high temp\w*|temperature|a temp|hot to (?:the )?touch"
        r"|burning up)\b"
        r"|\b(?:fiebre|calentura|febricula|febril)\b|\b(?:febre|febril|febrao)\b"
        r"|\b(?:3[89]|4[0-2])[.,]\d\b(?! ?(?:weeks|wks|wk|semanas|kg|lbs|cm))|\b(?:3[89]|4[0-2]) ?(?:c"
        r"|degrees|grados|graus)\b"
        r"|\btemp\b"
    ),
    "infant": (
        r"\b(?:\d|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) ?(?:weeks?|wks?"
        r"|wk) old"
        r"|\b\d+ ?(?:days?|d) old|\b(?:1|2|one|two) ?(?:months?|mths?|mos?) old|\bnew ?born|\bneonat\w*"
        r"|\b(?:bebe|bebes|baby|nene|nena|nenem|hijo|hija|nino|nina|filho|filha|neto|neta|nieto|nieta"
        r"|crianca)"
        r"(?: \w+)? (?:de|con|com|tiene|tem) (?:(?:\d|1[0-2]|una|uma|dos|duas|tres) semanas|\d+ dias|(?:1|2"
        r"|un|um|dos|dois) (?:mes|meses)\b)"
        r"|\brecien nacid\w*|\brecem[ -]?nascid\w*"
    ),
    "stiff_neck": (
        r"\bstiff neck|\bneck (?:is |feels )?(?:stiff|rigid)|\bcant (?:bend|move) (?:his|her|my) (?:neck"
        r"|head forward|chin)"
        r"|\bcuello (?:rigido|duro|tieso)|\brigidez (?:de|en el|del) cuello|\bnuca rigida"
        r"|\bno puede (?:doblar|mover) el cuello"
        r"|\bpescoco (?:duro|rigido|travado)|\brigidez (?:no|de) pescoco|\bnuca (?:dura|rigida)"
        r"|\bnao consegue (?:abaixar|dobrar|mexer) (?:a cabeca|o pescoco)"
    ),
    "nonblanching_rash": (
        r"\b(?:rash|spots|marks|dots|blotches) (?:\w+ ){0,6}(?:doesnt|does not|dont|do not|wont|not|isnt"
        r"|arent) (?:fade|go away|disappear|blanch|go)"
        r"|\bnon ?blanching|\bglass test|\bpurpur\w*|\bpetechia\w*|\bpetequias?"
        r"|\b(?:manchas|puntos|pintas|ronchas|sarpullido|erupcion) (?:\w+ ){0,6}no (?:desaparece|desaparecen"
        r"|se van|se va|se quita|se quitan|blanquea|palidece)"
        r"|\b(?:manchas|pontos|pintas|bolinhas|vermelhidao) (?:\w+ ){0,6}nao (?:some|somem|desaparece"
        r"|desaparecem|sai|saem|clareia|clareiam)"
    ),
    "purple_rash": (
        r"\b(?:purple|red purple|dark red|purplish) (?:\w+ )?(?:spots|rash|dots|blotches|marks|bruises)"
        r"|\b(?:spots|rash|dots) (?:\w+ ){0,2}(?:purple|purplish)"
        r"|\b(?:manchas|pintas|puntitos|puntos|pontinhos|pontos) (?:\w+ )?(?:moradas|morados|purpuras|roxas"
        r"|roxos|roxinhas|violaceas)"
    ),
    "floppy_child": (
        r"\b(?:floppy|limp|lifeless)\b|\b(?:hard|difficult|impossible) to wake|\bwont (?:wake|stay awake)\b"
        r"|\bno (?:reacciona|responde)|\bmuy (?:flojo|floja|aguado|aguada)\b|\b(?:molinho|molinha|mole demais)\b"
        r"|\bnao (?:reage|acorda)"
    ),
    "confusion": (
        r"\bconfus(?:ed|ion)\b(?! about| by| with| as to)|\bdisorient\w*|\bdelirious|\bnot making sense"
        r"|\bdoesnt (?:know|recognise|recognize) (?:where|who|me|us)"
        r"|\btalking nonsense|\b(?:so|very|really|extremely) drowsy\b|\bhard to wake|\bdifficult to wake"
        r"|\bfloppy\b"
        r"|\bconfundid[oa]|\bdesorientad[oa]|\bdelirando|\bno sabe (?:donde|quien)|\bno reconoce"
        r"|\bmuy somnolient\w*|\bdice cosas sin sentido"
        r"|\bconfus[oa]\b|\bfalando coisa(?:s)? sem sentido|\bnao fala coisa com coisa|\bnao reconhece"
        r"|\bmuito sonolent\w*|\bmole demais"
    ),
    "mottled": (
        r"\bmottled|\bmottling|\bblotchy (?:skin|and)|\bskin (?:looks |is )?(?:blotchy|mottled|grey|gray"
        r"|blue)"
        r"|\bpiel (?:\w+ )?(?:moteada|marmorea|jaspeada|manchada)|\bpele (?:\w+ )?(?:marmorizada|manchada"
        r"|rendada|moteada)"
    ),
    "no_urine": (
        r"\b(?:not|hasnt|hasn t|no) (?:peed|passed urine|weed|wee|urinated|wet (?:nappy|nappies|diaper"
        r"|diapers))(?: \w+){0,3}"
        r"|\bno (?:ha )?orinado|\bno moja (?:el|los) pa[nñ]al|\bnao (?:fez xixi|urinou|faz xixi)"
    ),
    "sepsis_word": r"\bsepsis\b|\bseptic\b|\bsepse\b|\bsepticemia\b",
    "not_drinking": (
        r"\b(?:not|isnt|wont|hasnt|refusing to|refuses to) (?:drinking|drink|feeding|eating)"
        r"|\bno (?:quiere )?(?:beber|tomar|comer)"
        r"|\bnao (?:quer )?(?:beber|tomar|mamar|comer)"
    ),
    "child": (
        r"\b(?:baby|babies|toddler|child|kid|son|daughter|boy|girl|infant|\d+ ?(?:yr|year|yo|y|months?|mths?"
        r"|mo) old|\d+ ?yo)\b"
        r"|\b(?:bebe|nene|nena|nino|nina|hijo|hija|hijito|hijita|nieto|nieta)\b"
        r"|\b(?:filho|filha|crianca|menino|menina|neto|neta|nenem)\b"
    ),
    # --- poisoning, burns, trauma, head injury ---
    "poisoning": (
        r"\b(?:swallowed|drank|drunk|has drunk|got into|chewed|licked|ingested|put in (?:his|her) mouth|"
        r"(?:ate|eaten)(?= (?:some|a|an|the|his|her|my|all|\d+|one|two|several|lots|loads)\b))"
        r"(?: (?!taking\b|take\b|before\b|after\b|with\b|then\b)\w+){0,6} (?:bleach|pills?|tablets?"
        r"|medicines?|meds|medication|button battery|batter(?:y|ies)|magnets?|detergent|"
        r"dishwasher|laundry|pods?|cleaning|cleaner|chemicals?|poison|antifreeze|weed ?killer|pesticide"
        r"|rat poison|paracetamol|"
        r"ibuprofen|lye|drain cleaner|white spirit|petrol|gasoline|kerosene|e ?liquid|nicotine|mushrooms?"
        r"|berries)\b"
        r"|\bpoisoned\b|\bpoisoning\b"
        r"|\b(?:se (?:trago|tomo|bebio|comio)|trago|bebio|comio|ingirio|se metio en la boca)(?: \w+){0,4} "
        r"(?:lejia|cloro|pastillas?|medicamentos?|medicinas?|pilas?|baterias?|veneno|detergente|limpieza"
        r"|limpiador|quimico|"
        r"suavizante|amoniaco|desinfectante|raticida|insecticida|alcohol|gasolina|imanes?)\b|\benvenen\w*"
        r"|\bintoxic\w*"
        r"|\b(?:tomo|bebe|bebio|trago|comio|toma)(?: \w+){0,3} (?:veneno|lejia|cloro|detergente|limpiador"
        r"|raticida|insecticida|gasolina|"
        r"amoniaco|suavizante|desinfectante|acido|soda caustica|matarratas)\b"
        r"|\b(?:tome|bebi|me tome|trague|tomei|bebi|engoli|comi)(?: \w+){0,2} (?:veneno|lejia|cloro|raticida"
        r"|matarratas|insecticida|"
        r"chumbinho|agua sanitaria|soda caustica|inseticida|desinfetante|alvejante)\b"
        r"|\b(?:engoliu|bebeu|comeu|ingeriu|tomou|colocou na boca)(?: \w+){0,4} "
        r"(?:agua sanitaria|cloro|remedios?|comprimidos?|pilhas?|baterias?|veneno|detergente"
        r"|produto de limpeza|soda|"
        r"desinfetante|alvejante|raticida|chumbinho|inseticida|alcool|gasolina|querosene|imas?)\b"
        r"|\benvenen\w*|\bintoxica\w*"
    ),
    "child_ingestion": (
        r"\b(?:swallowed|drank|drunk|ate|eaten|got into|chewed|se (?:trago|tomo|bebio|comio)|bebio|engoliu"
        r"|bebeu|comeu|tomou)"
        r"(?: \w+){0,4} (?:alcohol|vodka|wine|beer|gin|whisky|rum|vitamins|iron|cigarettes?|tobacco|cannabis"
        r"|gummies|"
        r"vino|cerveza|cigarrillos?|vitaminas|hierro|alcool|vinho|cerveja|cigarros?|ferro)\b"
    ),
    "vape_ingestion": (
        r"\bvape\b(?: \w+){0,6} (?:drank|swallowed|drunk|licked)\b"
        r"|\b(?:drank|swallowed)(?: \w+){0,4} (?:the )?vape"
    ),
    "burn_minor": r"\b(?:small|tiny|minor|little|pequen[oa]|pequena|poquito|leve|de leve|chiquit[oa])\b",
    "burn_severe": (
        rf"\b(?:{_SEVERE}|big|large|huge|deep|serious|major|3rd degree|third degree|2nd degree|second degree"
        rf"|full thickness) burns?"
        r"|\bburn(?:s|ed|t)? (?:\w+ ){0,3}(?:all over|face|chest|whole|entire)|\b(?:boiling"
        r"|scalding) (?:water|oil|kettle|tea|coffee)"
        r"|\bscald\w* (?:all over|badly)|\bcaught fire|\bon fire\b|\bchemical burn|\belectric\w* (?:burn"
        r"|shock)|\belectrocut\w*"
        r"|\bskin (?:is |was )?(?:peeling|falling off|charred|white and leathery|black|bubbling"
        r"|blistering all)"
        r"|\bquemadura (?:\w+ )?(?:grave|grande|severa|profunda|de tercer grado|de segundo grado|extensa|fea)"
        r"|\b(?:aceite|agua|cafe|leche) hirviendo|\bse quemo (?:toda|todo|la cara|el pecho)"
        r"|\bquemaduras? en (?:la cara|el pecho|todo)"
        r"|\bse prendio fuego|\bse incendio|\bdescarga electrica"
        r"|\bqueimadura (?:\w+ )?(?:grave|grande|seria|feia|profunda|de terceiro grau|de segundo grau"
        r"|extensa)"
        r"|\b(?:agua|oleo|azeite|cafe|leite) (?:ferv\w*|quente demais)|\boleo quente|\bpegou fogo"
        r"|\bse queimou (?:todo|toda|o rosto|a cara)"
        r"|\bchoque eletrico|\beletrocut\w*|\bpele (?:soltando|descolando|saindo)"
    ),
    "trauma": (
        r"\b(?:car|motorbike|motorcycle|bike|road|traffic|bus|truck) (?:crash|accident|collision|wreck)"
        r"|\bcrashed (?:the|my|his|her) (?:car|bike|motorbike)"
        r"|\b(?:hit|knocked down|run over|ran over) by (?:a |an )?(?:car|bus|truck|van|lorry|motorbike|train)"
        r"|\bgot (?:run|ran) over"
        r"|\bfell (?:\w+ ){0,2}(?:off|from|out of) (?:a |the |his |her |my )?(?:roof|ladder|balcony|building"
        r"|scaffold\w*|window|height|horse|tree|second floor|2nd floor)"
        r"|\bfall from (?:a )?height|\bstabbed|\bstab wound|\bknife wound|\b(?:got|been|was|were|is) shot\b"
        r"|\bgunshot|\bshot (?:him|her|me|in the)"
        r"|\bbone (?:is )?(?:sticking|poking) out|\b(?:leg|arm) (?:is )?bent (?:the )?wrong way|\bimpaled"
        r"|\bcrushed (?:by|under)|\bopen fracture"
        r"|\baccidente (?:de )?(?:coche|carro|auto|moto|trafico|transito|bici)|\bchoque de (?:coche|carro"
        r"|auto|moto)|\batropell\w*|\bapunal\w*|\bacuchill\w*"
        r"|\bbalazo|\bherida de bala|\ble dispararon|\bherida de arma|\bcayo (?:\w+ ){0,2}(?:del|de un|de una"
        r"|desde el|desde un) (?:techo|tejado|escalera|balcon|andamio|segundo piso|arbol|caballo)"
        r"|\bhueso (?:salido|expuesto|afuera|por fuera)|\bpierna abierta|\bfractura expuesta"
        r"|\bacidente (?:de )?(?:carro|moto|transito|onibus|bicicleta)|\bbatida de (?:carro|moto)"
        r"|\batropel\w*|\besfaque\w*|\bfacada|\bbaleado|\blevou (?:um )?tiro"
        r"|\bcaiu (?:\w+ ){0,2}(?:do|da|de um|de uma) (?:telhado|andaime|laje|segundo andar|predio|escada"
        r"|arvore|cavalo|muro)"
        r"|\bosso (?:para fora|exposto|pra fora)|\bfratura exposta"
    ),
    "no_injury": (
        r"\b(?:no one|noone|nobody|no body) (?:was |got )?(?:hurt|injured)|\bnot (?:hurt|injured)"
        r"|\bnadie (?:salio )?herido|\bsin heridos"
        r"|\bninguem (?:se )?(?:machucou|ferido|se feriu)|\bsem feridos"
    ),
    "head_injury": (
        r"\b(?:hit|bumped|banged|knocked|smashed|hurt|struck|bashed|injured) (?:\w+ ){0,2}(?:his|her|my|their"
        r"|the|its) head"
        r"|\bhead (?:injury|trauma|wound)|\bfell on (?:his|her|my) head|\blanded on (?:his|her|my) head"
        r"|\bknocked (?:himself|herself|myself) out"
        r"|\b(?:golpeo|golpe|pego|dio|lastimo|goleo) (?:\w+ ){0,2}(?:la|en la|su) cabeza|\bgolpe en la cabeza"
        r"|\btraumatismo (?:craneal|craneoencefalico)"
        r"|\bcayo de cabeza|\bbateu (?:com )?(?:a )?cabeca|\bpancada na cabeca|\bbatida na cabeca"
        r"|\bcaiu de cabeca|\btraumatismo craniano"
    ),
    "loc": (
        r"\bknocked (?:out|unconscious)|\bpassed out|\bblacked out|\blost consciousness|\bunconscious"
        r"|\bout cold|\bfainted|\bknocked (?:himself|herself|myself) out"
        r"|\bperdio el conocimiento|\bperdio la consciencia|\bse desmayo|\bquedo inconsciente|\binconsciente"
        r"|\bdesmaiou|\bapagou|\bperdeu (?:a )?consciencia|\bdesacordad\w*|\bficou inconsciente"
    ),
    "leg_swelling": (
        r"\b(?:leg|calf|legs) (?:\w+ ){0,3}(?:swollen|swelling|puffed up)\b(?:.{0,40}\b(?:pain\w*|hurts|sore"
        r"|red|hot|warm|flight|tender))"
        r"|\b(?:pierna|pantorrilla|gemelo) (?:\w+ ){0,3}hinchad\w*(?:.{0,40}\b(?:dolor|duele|roja|caliente"
        r"|vuelo))"
        r"|\b(?:perna|panturrilha|batata da perna) (?:\w+ ){0,3}inchad\w*(?:.{0,40}\b(?:dor|doendo|doi"
        r"|vermelha|quente|voo|viagem))"
    ),
    "menstrual": r"\bperiods?\b|\bmenstrua\w*|\bregla\b|\bmenstruac\w*|\bmenstruacao\b",
    "severity": rf"\b{_SEVERE}\b",
}

_FINDINGS: dict[str, re.Pattern[str]] = {
    kind: re.compile(source) for kind, source in _FINDING_SOURCES.items()
}
# Findings that are themselves phrased as negatives ("no one was hurt", "not hurt"): never negated.
_NEVER_NEGATED = frozenset({"recovered", "no_injury"})


@dataclass(frozen=True)
class _Finding:
    kind: str
    evidence: str


def _findings(clauses: list[str], language: Language) -> dict[str, _Finding]:
    """The first non-negated occurrence of each finding in the clauses that are not suppressed."""
    found: dict[str, _Finding] = {}
    for clause in clauses:
        if _suppressed(clause):
            continue
        for kind, pattern in _FINDINGS.items():
            if kind in found:
                continue
            for match in pattern.finditer(clause):
                if kind in _NEVER_NEGATED or not _negated(clause, match.start(), language):
                    found[kind] = _Finding(kind, match.group(0).strip())
                    break
    return found


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
        if "chest_benign" in f:
            # "tight from coughing": emergency only on strong cardiac features or severe breathlessness.
            cardiac = "cardiac_strong" in f or "breathing_severe" in f
        else:
            cardiac = (
                "cardiac_quality" in f or "breathing_severe" in f or "breathing_mild" in f or "severity" in f
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
        if "recovered" in f:
            flags["syncope_recovered"] = ev("fainted", "recovered")
        else:
            flags["collapse_unresponsive"] = ev("fainted")

    # Seizure
    if "seizure_active" in f:
        flags["seizure"] = ev("seizure_active")
    elif "seizure_any" in f:
        if "recovered" in f:
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
    if "trauma" in f and "no_injury" not in f:
        flags["major_trauma"] = ev("trauma")
    if "head_injury" in f and ("loc" in f or "unresponsive" in f):
        flags["head_injury_loc"] = ev("head_injury", "loc", "unresponsive")

    return flags


def _instruction(floor: Urgency | None, language: Language) -> str | None:
    if floor is Urgency.EMERGENCY:
        return patient_messages.text_for(patient_messages.EMERGENCY, language)
    if floor is Urgency.URGENT:
        return patient_messages.text_for(patient_messages.URGENT, language)
    return None


def assess(text: str) -> Assessment:
    """Red flags in a patient's text, the urgency floor they set and what to tell the patient now."""
    language = detect_language(text)
    normalized = normalize(text)
    flags = _rules(_findings(_clauses(normalized, language), language))
    red_flags = [
        RedFlag(code=code, label=FLAGS[code][0], floor=FLAGS[code][1], evidence=evidence)
        for code, evidence in sorted(flags.items(), key=lambda item: (FLAGS[item[0]][1].rank, item[0]))
    ]
    floor = most_urgent(*(flag.floor for flag in red_flags))
    return Assessment(
        language=language,
        red_flags=red_flags,
        urgency_floor=floor,
        patient_instruction=_instruction(floor, language),
        rules_version=RULES_VERSION,
    )
