"""Numbers in a patient's text: vital signs, glucose and age, and what they mean for the urgency floor.

Reads normalized text (see redflags.normalize: lower case, no accents, "/" "%" and "°" turned into
spaces, so "BP 80/50" reads "bp 80 50" and "SpO2 88%" reads "spo2 88"). When a vital is written more than
once, the last value counts ("sats 96 this morning, now 88").

Thresholds (the source of each is in docs/decisions.md, issue 11):
- adults: the NEWS2 single-parameter red scores (3 points) are emergencies; 2-point values are urgent;
- children under 5: the NICE NG143 traffic-light table (red -> emergency, amber -> urgent), with an age
  read from the text ("3 week old", "8 meses", "a 2-year-old") or, without an age, from words such as
  "baby"/"bebe" (then the under-1 limits apply);
- glucose: below 3.0 mmol/L (54 mg/dL) emergency, below 4.0 (72) urgent; 20 mmol/L (360 mg/dL) or more
  urgent, 30 (540) or more emergency. A value of 35 or more without a unit is read as mg/dL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEP = (
    r"(?: (?:of|is|was|at|de|da|do|es|e|esta|ta|were|are|reading|reads|only|around|about|down to|dropped to|"
)
_SEP += r"up to|went to|now|now at|em|en|to|on|sobre|de apenas|level|levels|marcando|marca|showing|shows|says|mostrando|indica|dando|da|deu))*"
_COLON = r"[ :=]*"
_NUMBER = r"(\d{1,3}(?:[.,]\d{1,2})?)"

_TEMPERATURE = re.compile(
    rf"\b(?:temp\w*|fever|fiebre|febre|febril|pyrexia\w*|pyrexial|febrile|t)\b{_SEP}{_COLON}(?:de |of )?"
    rf"{_NUMBER} ?(c|f|degrees?|grados|graus|celsius|fahrenheit|centigrade)?\b"
    rf"|\b{_NUMBER} ?(c|f|degrees?|grados|graus|celsius|fahrenheit|centigrade|de fiebre|de febre|de fievre"
    rf"|of fever|di febbre|fieber)\b"
)
_SPO2 = re.compile(
    rf"\b(?:spo2|sp02|spo 2|sao2|o2 sat\w*|o2|sats?|saturation\w*|saturating|satting|saturando|satura\w*"
    rf"|oxygen(?: saturation| level| levels| sats?)?|oximeter|pulse ?ox\w*|oximetr\w*|oxigeno|oxigenio)"
    rf"\b{_SEP}{_COLON}{_NUMBER}"
)
# "fever for 3 days, 39.4": a bare decimal in the body-temperature range counts when fever is mentioned.
_FEVER_WORD = re.compile(
    r"\b(?:fever\w*|feverish|temp\w*|fiebre|febre|fievre|fieber|febbre|pyrexi\w*|febril\w*)\b"
)
_BARE_TEMPERATURE = re.compile(
    r"(?<![\d.,])((?:3[5-9]|4[0-2])[.,]\d)\b(?! ?(?:kg|lbs?|cm|mg|ml|mmol|weeks?|semanas|%))"
)
_HEART_RATE = re.compile(
    rf"\b(?:hr|heart ?rate|pulse|pulse rate|fc|frecuencia cardiaca|frequencia cardiaca|pulso|heartbeat|heart)"
    rf"\b{_SEP}{_COLON}{_NUMBER}(?! ?(?:years?|yrs?|kg|mg|ml|mmol|min(?:ute)?s? ago))"
    rf"|\b{_NUMBER} ?(?:bpm|beats? (?:per|a|\/) ?min\w*|lpm|latidos)"
)
_RESP_RATE = re.compile(
    rf"\b(?:rr|resp\w* rate|resps|breathing rate|fr|frecuencia respiratoria|frequencia respiratoria)"
    rf"\b{_SEP}{_COLON}{_NUMBER}"
    rf"|\b{_NUMBER} ?(?:breaths?|respiraciones|respiracoes|rpm|irpm|resp)(?: (?:per|a|por) ?min\w*)?"
)
_BLOOD_PRESSURE = re.compile(
    rf"\b(?:bp|nibp|blood pressure|pressure|ta|pa|tension(?: arterial)?|presion(?: arterial)?"
    rf"|pressao(?: arterial)?)\b{_SEP}{_COLON}(\d{{2,3}}) ?(?:over |x ?|sobre |por )?(\d{{1,3}})\b"
    rf"|\b(\d{{2,3}}) (?:over |x )?(\d{{2,3}}) ?mm ?hg"
)
_GLUCOSE = re.compile(
    rf"\b(?:bg|bs|glucose|glucosa|glicose|glycemie|glycemia|glycaemia|glucemia|glicemia|sugars?|bm|bms|cbg|bgl|bsl|rbs"
    rf"|blood sugar|azucar|acucar|dextro|hgt|glucometer|glucometro|glicosimetro|finger ?stick|reading)"
    rf"\b{_SEP}{_COLON}{_NUMBER} ?(mmol|mg|g)?"
)
_GCS = re.compile(
    r"\b(?:gcs|glasgow(?: coma scale)?(?: score)?)\b" + _SEP + _COLON + r"(\d{1,2})\b(?! ?(?:hours?|h|min))"
)
# "on 2L", "on O2", "15L NRB": supplemental oxygen (NEWS2 scores 2 points for it)
_OXYGEN = re.compile(
    r"\bon (?:\d{1,2} ?(?:l|lpm|litres?|liters?)\b|o2\b|oxygen\b|nasal cannula|nc\b|a (?:mask|non rebreathe))"
    r"|\b\d{1,2} ?l (?:o2|oxygen|nrb|via)\b"
)
# "baseline SpO2 89-90%", "usual sats 88": a patient's known value, not today's
_BASELINE = re.compile(
    r"\b(?:baseline|usual|usually|normally|habitual|at best|normal for (?:him|her))\W*(?:\w+ ){0,2}$"
)
_AGE_UNIT = (
    r"(days?|d|weeks?|wks?|wk|w|months?|mos?|mths?|m|years?|yrs?|yr|y|yo|dias|semanas|meses|anos|jours|semaines"
    r"|mois|ans|giorni|settimane|mesi|anni|tage|wochen|monate|jahre)"
)
_AGE_NOUN = (
    r"(?:baby|infant|newborn|neonate|son|daughter|child|kid|boy|girl|toddler|bebe|nene|nenem|recien nacido"
    r"|recem nascido|rn|lactante|lactente|hija|hijo|filha|filho|nino|nina|menino|menina|crianca|nourrisson"
    r"|enfant|fils|fille|bambin[oa]|neonato|kind|sohn|tochter|saugling)"
)
_AGE = re.compile(
    rf"\b(\d{{1,3}}(?:[.,]5)?) ?(?:-| )?{_AGE_UNIT} ?(?:old|o|yo)\b"
    r"|\b(\d{1,3}) ?(yo|y o|yr old|m|f|male|female)\b(?= |$|,)"
    rf"|\b(?:aged?|edad|idade|age)\b[: ]*(\d{{1,3}}) ?{_AGE_UNIT}?"
    rf"|\b{_AGE_NOUN}(?: \w+)?(?: (?:de|com|of|is|aged|esta com|tem|tiene|has|a|von|di))? (\d{{1,2}}) {_AGE_UNIT}\b"
    rf"|\b(\d{{1,2}}) {_AGE_UNIT} (?:de (?:vida|edad|idade|nacido|nascido)|old)\b"
    r"|\b(\d{1,2}) (52|12)(?= (?:old|yo|baby|infant|boy|girl|male|female|m|f)\b)"  # UK notes: 4/52 = 4 weeks
    r"|\b(?:solo|only|just|apenas|so) (?:tiene |tem |is |has )?(\d{1,2}) (weeks?|semanas|months?|meses|days?|dias)\b"
)
_BABY_WORD = re.compile(
    r"\b(?:baby|babys|infant|newborn|neonate|bebe|bebes|nenem|nene|recien nacido|recem nascido)\b"
)
_CHILD_WORD = re.compile(
    r"\b(?:toddler|child|kid|son|daughter|boy|girl|nino|nina|hijo|hija|crianca|filho|filha|menino|menina)\b"
)


@dataclass(frozen=True)
class Vitals:
    age_years: float | None = None
    temperature_c: float | None = None
    spo2: int | None = None
    heart_rate: int | None = None
    resp_rate: int | None = None
    systolic: int | None = None
    diastolic: int | None = None
    glucose_mmol: float | None = None
    gcs: int | None = None
    on_oxygen: bool = False
    evidence: tuple[tuple[str, str], ...] = ()


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _age_unit(unit: str) -> float:
    unit = unit.strip()
    if unit == "52":
        return 7 / 365
    if unit.startswith(("mes", "mo", "mth", "month", "mi")) or unit in ("m", "12"):
        return 1 / 12
    if unit.startswith(("dia", "day", "jour", "gior", "tag")) or unit == "d":
        return 1 / 365
    if unit.startswith(("sem", "we", "wk", "sett", "wo")) or unit == "w":
        return 7 / 365
    return 1.0


def _age(text: str) -> tuple[float, str] | None:
    found = None
    for match in _AGE.finditer(text):
        groups = match.groups()
        pairs = [(groups[i], groups[i + 1]) for i in range(0, len(groups), 2)]
        for number, unit in pairs:
            if number is None:
                continue
            if unit in ("f", "male", "female", "yo", "y o", "yr old", None) or (
                unit == "m" and "old" not in match.group(0)
            ):
                years = _number(number)
            else:
                years = _number(number) * _age_unit(unit)
            if years <= 120:
                found = (years, match.group(0))
            break
        if found:
            return found
    return None


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for last in pattern.finditer(text):  # noqa: B007 - the last match is wanted
        pass
    return last


# "sats 96 this morning and now 89": a later value of the same vital without its name.
_LATER = re.compile(
    r"\b(?:now|then|dropped to|down to|falling to|fell to|up to|ahora|agora|bajo a|caiu para|caiu pra)"
    r" (?:at |is |its |es |e |esta |ta |de )?(\d{2,3})\b(?! ?(?:years|anos|min|minutes|hours|horas|kg|mg))"
)


def _updated(value: str, text: str, end: int) -> str:
    later = _LATER.search(text, end, end + 60)
    return later.group(1) if later else value


def parse(text: str) -> Vitals:
    """Every vital sign, glucose value and age written in a normalized text."""
    values: dict[str, float | int | None] = {}
    evidence: list[tuple[str, str]] = []
    age = _age(text)
    if age:
        values["age_years"] = age[0]
        evidence.append(("age", age[1]))
    for match in _TEMPERATURE.finditer(text):
        number = match.group(1) or match.group(3)
        unit = (match.group(2) or match.group(4) or "").strip()
        value = _number(number)
        if unit in ("f", "fahrenheit") or (not unit.startswith("c") and 93 <= value <= 110):
            value = (value - 32) * 5 / 9
        if 30 <= value <= 45 and not (
            unit in ("", "degree", "degrees") and value < 34 and not match.group(1)
        ):
            values["temperature_c"] = value
            evidence.append(("temperature", match.group(0)))
    if "temperature_c" not in values and _FEVER_WORD.search(text):
        bare = _BARE_TEMPERATURE.search(text)
        if bare:
            values["temperature_c"] = _number(bare.group(1))
            evidence.append(("temperature", bare.group(0)))
    spo2 = None
    for match in _SPO2.finditer(text):
        if not _BASELINE.search(text, max(0, match.start() - 30), match.start()):
            spo2 = match
    if spo2:
        value = _number(_updated(spo2.group(1), text, spo2.end()))
        if 50 <= value <= 100:
            values["spo2"] = int(value)
            evidence.append(("spo2", spo2.group(0)))
    heart = _last(_HEART_RATE, text)
    if heart:
        value = _number(_updated(heart.group(1) or heart.group(2), text, heart.end()))
        if 20 <= value <= 250:
            values["heart_rate"] = int(value)
            evidence.append(("heart rate", heart.group(0)))
    resp = _last(_RESP_RATE, text)
    if resp:
        value = _number(_updated(resp.group(1) or resp.group(2), text, resp.end()))
        if 4 <= value <= 90:
            values["resp_rate"] = int(value)
            evidence.append(("respiratory rate", resp.group(0)))
    bp = _last(_BLOOD_PRESSURE, text)
    if bp:
        systolic = int(bp.group(1) or bp.group(3))
        diastolic = int(bp.group(2) or bp.group(4))
        if systolic <= 30 and diastolic <= 20:  # "16 por 11": centimetres of mercury, as said in Brazil
            systolic, diastolic = systolic * 10, diastolic * 10
        if 50 <= systolic <= 300 and 20 <= diastolic < systolic:
            values["systolic"], values["diastolic"] = systolic, diastolic
            evidence.append(("blood pressure", bp.group(0)))
    gcs = _last(_GCS, text)
    if gcs and 3 <= int(gcs.group(1)) <= 15:
        values["gcs"] = int(gcs.group(1))
        evidence.append(("gcs", gcs.group(0)))
    oxygen = _OXYGEN.search(text)
    if oxygen:
        values["on_oxygen"] = True
        evidence.append(("oxygen", oxygen.group(0)))
    glucose = _last(_GLUCOSE, text)
    if glucose:
        value = _number(glucose.group(1))
        unit = glucose.group(2) or ""
        if (unit == "g" and value < 10) or (not unit and value < 1.5):  # g/L, as written in France
            value = value * 1000 / 18.0 / 10
        elif unit == "mg" or (unit != "mmol" and value >= 35):
            value = value / 18.0
        if 0.5 <= value <= 60:
            values["glucose_mmol"] = value
            evidence.append(("glucose", glucose.group(0)))
    return Vitals(**values, evidence=tuple(evidence))  # type: ignore[arg-type]


def news2(v: Vitals) -> tuple[int, int]:
    """(NEWS2 aggregate score, number of parameters written) from the observations in the text (RCP NEWS2,
    SpO2 scale 1; consciousness from a GCS below 15). Parameters not written score nothing."""
    score = written = 0

    def band(value: float | None, table: tuple[tuple[float, float, int], ...]) -> None:
        nonlocal score, written
        if value is None:
            return
        written += 1
        score += next((points for low, high, points in table if low <= value <= high), 0)

    band(v.resp_rate, ((0, 8, 3), (9, 11, 1), (21, 24, 2), (25, 200, 3)))
    band(v.spo2, ((0, 91, 3), (92, 93, 2), (94, 95, 1)))
    band(v.systolic, ((0, 90, 3), (91, 100, 2), (101, 110, 1), (220, 400, 3)))
    band(v.heart_rate, ((0, 40, 3), (41, 50, 1), (91, 110, 1), (111, 130, 2), (131, 300, 3)))
    band(v.temperature_c, ((0, 35.0, 3), (35.01, 36.0, 1), (38.05, 39.0, 1), (39.05, 50, 2)))
    band(v.gcs, ((3, 14, 3),))
    if v.on_oxygen:
        score += 2
    return score, written


def _child_band(age: float | None, text: str) -> str:
    """adult, or one of the NICE NG143 under-5 bands: <3m, 3-6m, 6-12m, 1-2y, 2-5y."""
    if age is None:
        if _BABY_WORD.search(text):
            return "6-12m"
        return "adult" if not _CHILD_WORD.search(text) else "5-12y"
    if age < 0.25:
        return "<3m"
    if age < 0.5:
        return "3-6m"
    if age < 1:
        return "6-12m"
    if age < 2:
        return "1-2y"
    if age < 5:
        return "2-5y"
    if age < 12:
        return "5-12y"
    return "adult"


def findings(text: str) -> dict[str, str]:
    """Catalogue term name -> evidence for the numbers in a normalized text.

    Terms: ``vital_emergency`` / ``vital_urgent`` (a vital sign past the thresholds above),
    ``glucose_low_severe`` / ``glucose_low`` / ``glucose_high`` / ``glucose_very_high``, ``fever`` (38 °C or
    more), ``high_fever`` (39 °C or more), ``hypothermia`` (below 35 °C), ``infant`` (under 3 months), ``child``
    (under 16), ``bp_severe`` (160/110 or more, the NICE severe-hypertension line in pregnancy) and ``bp_high``
    (180/120 or more).
    """
    if not any(char.isdigit() for char in text):
        return {}
    v = parse(text)
    ev = dict(v.evidence)
    out: dict[str, str] = {}
    band = _child_band(v.age_years, text)
    under5 = band in ("<3m", "3-6m", "6-12m", "1-2y", "2-5y")

    def mark(term: str, key: str) -> None:
        out.setdefault(term, ev[key])

    if v.age_years is not None:
        if v.age_years < 0.25:
            mark("infant", "age")
        if v.age_years < 16:
            mark("child", "age")
    if v.temperature_c is not None:
        t = v.temperature_c
        if t >= 38:
            mark("fever", "temperature")
        if t >= 39:
            mark("high_fever", "temperature")
        if t < 35:
            mark("hypothermia", "temperature")
            mark("vital_emergency", "temperature")
        elif band == "<3m" and t >= 38:
            mark("vital_emergency", "temperature")
        elif band == "3-6m" and t >= 39:
            mark("vital_urgent", "temperature")
        elif t >= 41:
            mark("vital_emergency", "temperature")
        elif t >= 39.1 and not under5:
            mark("vital_urgent", "temperature")
    if v.spo2 is not None:
        if v.spo2 <= 91:
            mark("vital_emergency", "spo2")
        elif v.spo2 <= 93 or (under5 and v.spo2 <= 95):
            mark("vital_urgent", "spo2")
    if v.resp_rate is not None:
        rr = v.resp_rate
        if under5 or band == "5-12y":
            if rr >= 60 or rr <= 10:
                mark("vital_emergency", "respiratory rate")
            elif (band in ("<3m", "3-6m", "6-12m") and rr > 50) or (
                band not in ("<3m", "3-6m", "6-12m") and rr > 40
            ):
                mark("vital_urgent", "respiratory rate")
        elif rr >= 25 or rr <= 8:
            mark("vital_emergency", "respiratory rate")
        elif rr >= 21:
            mark("vital_urgent", "respiratory rate")
    if v.heart_rate is not None:
        hr = v.heart_rate
        if under5:
            limit = {"<3m": 160, "3-6m": 160, "6-12m": 160, "1-2y": 150, "2-5y": 140}[band]
            if hr >= limit + 40 or hr < 60:
                mark("vital_emergency", "heart rate")
            elif hr > limit:
                mark("vital_urgent", "heart rate")
        elif band == "5-12y":
            if hr >= 160 or hr < 50:
                mark("vital_emergency", "heart rate")
            elif hr > 130:
                mark("vital_urgent", "heart rate")
        elif hr >= 131 or hr <= 40:
            mark("vital_emergency", "heart rate")
        elif hr >= 111:
            mark("vital_urgent", "heart rate")
    if v.systolic is not None and v.diastolic is not None:
        if (v.systolic <= 90 and not under5) or (under5 and v.systolic < 70) or v.systolic >= 220:
            mark("vital_emergency", "blood pressure")
        elif v.systolic <= 100 and not under5 and band != "5-12y":
            mark("vital_urgent", "blood pressure")
        if v.systolic >= 180 or v.diastolic >= 120:
            mark("vital_urgent", "blood pressure")
            mark("bp_high", "blood pressure")
        if v.systolic >= 160 or v.diastolic >= 110:
            mark("bp_severe", "blood pressure")
    if v.gcs is not None and v.gcs <= 14:
        # NEWS2: any new confusion / response only to voice or pain scores 3 (a single red parameter);
        # NICE CG176: GCS below 15 after a head injury needs a CT within an hour.
        mark("vital_emergency", "gcs")
    if v.temperature_c is not None and v.temperature_c <= 36.0 and not under5:
        mark("temp_low", "temperature")
    if band == "adult":
        score, written = news2(v)
        if written >= 3 and score >= 7:
            out.setdefault("vital_emergency", f"NEWS2 {score}")
        elif written >= 3 and score >= 5:
            out.setdefault("vital_urgent", f"NEWS2 {score}")
            out.setdefault("news2_urgent", f"NEWS2 {score}")
        criteria = [
            v.resp_rate is not None and v.resp_rate >= 22,
            v.systolic is not None and v.systolic <= 100,
            v.gcs is not None and v.gcs <= 14,
        ]
        if sum(criteria) >= 2:
            out.setdefault("qsofa_2", f"qSOFA {sum(criteria)}")
        elif sum(criteria) == 1:
            out.setdefault("qsofa_1", "qSOFA 1")
    if v.glucose_mmol is not None:
        g = v.glucose_mmol
        if g < 3.0:
            mark("glucose_low_severe", "glucose")
            mark("vital_emergency", "glucose")
        elif g < 4.0:
            mark("glucose_low", "glucose")
            mark("vital_urgent", "glucose")
        elif g >= 30:
            mark("glucose_very_high", "glucose")
            mark("glucose_high", "glucose")
            mark("vital_emergency", "glucose")
        elif g >= 20:
            mark("glucose_high", "glucose")
            mark("vital_urgent", "glucose")
    return out
