"""Issue 11: the engine catches emergencies written the way people and clinicians write them.

Every sentence here was written for this test from the published discriminators (MTS, ESI 1-2, NHS 999,
WHO IMCI, NICE NG143, obstetric red flags, toxicology, trauma mechanisms), not copied from a vignette set.
"""

from __future__ import annotations

import pytest

from fasttriage.domain import patient_messages
from fasttriage.domain.models import Language
from fasttriage.domain.redflags import assess
from fasttriage.domain.urgency import Urgency

E, U = Urgency.EMERGENCY, Urgency.URGENT


def floor(text: str) -> Urgency | None:
    return assess(text).urgency_floor


def codes(text: str) -> set[str]:
    return {flag.code for flag in assess(text).red_flags}


EMERGENCIES = [
    # consciousness and collapse
    "my grandad keeps drifting off mid sentence and we cant keep him awake",
    "found my flatmate on the floor, he groans but wont open his eyes",
    "78F, GCS 9, found at home, unknown downtime",
    "mi marido se desplomó en la cocina y no reacciona",
    "minha mãe desmaiou e não acorda de jeito nenhum",
    # airway, choking, cyanosis, asthma
    "my toddler is choking on a grape and cant cough",
    "her lips have gone a bluish colour and she is struggling for air",
    "asthma attack, used my blue inhaler 12 times and it is not helping",
    "Known asthmatic, PEFR 30% predicted, unable to complete sentences, silent chest.",
    "mi hijo se atragantó con una moneda y no puede respirar bien",
    "meu filho engasgou com bala e está ficando roxo",
    # meningism
    "fever of 39.8, stiff neck and the light hurts her eyes",
    "Febrile 39.4, photophobia, neck stiffness, petechial rash on legs.",
    "fiebre alta, le duele mucho la nuca y no soporta la luz",
    # bleeding of any origin
    "had my baby 2 days ago and im passing clots the size of my fist",
    "cut my arm on glass and blood is squirting out",
    "my dad's mouth tumour has started bleeding and it won't stop",
    "Fungating breast lesion with brisk haemorrhage, HR 120.",
    "Post-partum day 1, estimated blood loss 1200 ml, hypotensive.",
    "me corté con un cuchillo y la sangre sale a chorros",
    "estou sangrando muito depois do parto, encharcando o absorvente em meia hora",
    # head injury
    "fell off his bike and hit his head, now hes drowsy and has been sick twice",
    "after the fall clear fluid keeps dripping from her nose",
    "Head injury on apixaban, GCS 15, single vomit.",
    "se golpeó la cabeza y ahora vomita y está muy dormido",
    "bateu a cabeça, vomitou duas vezes e está sonolento",
    # diabetes
    "my diabetic son is vomiting and his breath smells like pear drops",
    "type 1, blood sugar 28 mmol, ketones 4.2 and being sick",
    "my mum's sugar is 1.8 and she's confused and sweaty",
    "hypo, he's not making sense and can't swallow the glucose gel",
    "took my long acting insulin twice by mistake tonight",
    "mi hija diabética tiene la glucosa en 450 y vomita",
    "meu pai diabético está com glicemia 40 e muito confuso",
    # anaphylaxis incl. mucosal blistering
    "ate a cashew and now my throat feels tight and I'm wheezy",
    "started lamotrigine 2 weeks ago, now blisters in my mouth and my eyes are sore and red",
    "after the antibiotic my lips are swelling and i feel faint",
    "comí marisco y se me está cerrando la garganta",
    "tomei dipirona e minha garganta está fechando",
    # transient neurological deficits
    "for about ten minutes my left arm went completely weak, it's fine now",
    "this morning he couldn't get his words out for a few minutes, now he's back to normal",
    "Transient right-sided weakness lasting 20 min, fully resolved. AF, not anticoagulated.",
    "mi mamá no podía hablar por unos minutos y ya se le pasó",
    "meu pai ficou com o braço fraco por 15 minutos e depois passou",
    # vision, diplopia, thunderclap
    "I suddenly lost the sight in my right eye an hour ago",
    "woke up seeing double and my eyelid is drooping",
    "the worst headache I have ever had hit me like a bat while lifting weights",
    "Sudden-onset occipital headache, maximal at onset, vomiting.",
    "dolor de cabeza de golpe, el peor de mi vida",
    "dor de cabeça súbita, a pior da minha vida",
    # cauda equina, retention
    "my back went and now I can't feel myself when I wipe",
    "sciatica down both legs and I wet myself without noticing",
    "Low back pain with saddle anaesthesia and painless urinary retention.",
    "haven't passed urine for 14 hours and my belly is really swollen and sore",
    "no puedo orinar desde ayer y tengo la vejiga muy hinchada",
    # infant apnoea, child suddenly unable to walk
    "my 2 month old stopped breathing for about 20 seconds and went floppy",
    "Infant 6 weeks, apnoeic episode with colour change at home.",
    "my 3 year old woke up and suddenly can't stand on his legs",
    "mi bebé dejó de respirar unos segundos y se puso morado",
    "meu bebê parou de respirar e ficou molinho",
    # poisoning and overdose
    "my 2 year old got into the dishwasher tablets and ate one",
    "took a whole strip of my sleeping tablets with vodka",
    "Ingestion of 40 x 500 mg paracetamol, 6 h ago.",
    "mi hijo se tomó las pastillas de la presión de su abuela",
    "minha filha tomou uns 30 comprimidos de sertralina",
    "generator in the garage, whole family has headaches and my son just fainted",
    # major trauma
    "motorbike hit a lorry at 60, rider lying in the road",
    "he fell 4 metres off the scaffolding onto concrete",
    "my leg is pinned under the tractor",
    "Unrestrained driver, high-speed RTC, prolonged extrication.",
    "choque de frente en la carretera, mi hermano está atrapado",
    "caiu do telhado de uns 5 metros",
    # ingested foreign bodies
    "my daughter swallowed a button battery from the remote",
    "swallowed two magnets from my sister's toy",
    "se tragó una pila de botón",
    "engoliu uma bateria de relógio",
    # withdrawal seizures
    "stopped drinking 2 days ago and just had a fit",
    "Alcohol withdrawal, generalised seizure in the waiting room.",
    "dejó de beber y le dio una convulsión",
    "parou de beber e teve uma convulsão",
    # post-operative fever
    "had my gallbladder out 5 days ago, now 39.2 and shaking",
    "Day 3 post laparotomy, T 38.9, HR 118, abdominal pain.",
    "me operaron del apéndice hace 4 días y tengo fiebre de 39",
    "fiz cesárea há uma semana e estou com febre de 39",
    # clinical register: numbers, British spellings, unilateral limb swelling, bloody diarrhoea, colic
    "64M, SpO2 86% on room air, RR 32.",
    "BP 78/40, HR 140, cool peripheries.",
    "Haematemesis x2, melaena, HR 120.",
    "Profuse bloody diarrhoea with postural hypotension.",
    "Colicky abdominal pain, bilious vomiting, absolute constipation, distended abdomen.",
    "Unilateral leg swelling and pleuritic chest pain, SpO2 91%.",
    "Asthma not relieved by salbutamol nebulisers, SpO2 90%.",
    "Post-op day 2 hip replacement, sudden dyspnoea and tachycardia.",
    # cardiac
    "pressure in the middle of my chest for 40 minutes, going into my jaw and I'm clammy",
    "chest feels like it's in a vice and I feel sick and sweaty",
    "tengo presión en el pecho que se va al brazo y sudor frío",
    "aperto no peito que vai pro braço esquerdo e suor frio",
    # mental health
    "I've written letters to my kids and I'm going to take all my pills tonight",
    "my son is standing on the bridge saying he'll jump",
    "tengo la cuerda lista, ya no aguanto más",
    # other categories
    "my husband's left leg is cold, white and he can't feel his foot",
    "pulled my son out of the pool, he's coughing and breathing weird",
    "my 12 year old has sudden agony in his testicle and is vomiting",
    "priapism for 6 hours",
    "boiling water spilt over my baby's chest and arms",
    "kitchen fire, his voice is hoarse and he's coughing black phlegm",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_as_people_and_clinicians_write_them(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


NOT_EMERGENCIES = [
    # mild or exertional chest discomfort
    "slight chest twinge when I twist, gone in a second",
    "tight chest walking uphill in the cold, settles within a minute of stopping, fine at rest",
    "Exertional chest discomfort for 3 weeks, none at rest, ECG normal today.",
    "me aprieta un poco el pecho al subir la cuesta y se me pasa al parar",
    # low-energy collisions
    "someone reversed into my car in the car park, bit of whiplash",
    "minor bump at a junction, about 10 mph, no one hurt",
    "Low-speed rear-end collision, ambulatory at scene, no neck pain.",
    "choque leve en el estacionamiento, nadie herido",
    # asking whether something is a seizure
    "my baby jerks her arms when falling asleep, is that a seizure?",
    "how do I know if my son's staring spells are seizures?",
    "¿es normal que mi bebé tiemble cuando llora o es una convulsión?",
    # history, negation, hypotheticals
    "I had a DVT 5 years ago, no leg swelling now, asking about flights",
    "no fever, no neck stiffness, no rash, just a headache from screens",
    "Denies chest pain, dyspnoea, syncope or palpitations. Routine review.",
    "what are the signs of a stroke I should look out for?",
    "my mum had sepsis last year, she's fine now, can she get the flu jab?",
    "had a seizure 3 years ago, none since, need a driving letter",
    "sem febre, sem falta de ar, só coriza",
    "sin sangrado, sin dolor, solo quiero la cita de control del embarazo",
    # benign look-alikes
    "small cut on my finger from chopping onions, stopped with a plaster",
    "nosebleed this morning, stopped after 5 minutes of pinching",
    "BM 6.4 before breakfast, all good",
    "my 5 year old has had a temperature of 38.2 since yesterday but is playing and drinking",
    "sunburn on my shoulders, a bit red and sore",
    "twisted my ankle playing football, can walk on it",
]


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_look_alikes_are_not_called_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


def test_a_severity_sign_raises_an_urgent_flag_to_emergency() -> None:
    urgent = assess("blood in my poo since yesterday")
    raised = assess("blood in my poo since yesterday and I nearly fainted, HR 118")

    assert urgent.urgency_floor is U
    gi = next(flag for flag in raised.red_flags if flag.code == "gi_bleeding")
    assert gi.floor is E
    assert "severity" in gi.label


def test_trapped_after_a_collision_is_major_trauma_but_a_trapped_nerve_is_not() -> None:
    assert "major_trauma" in codes("car crash, my friend is trapped in the car")
    assert "major_trauma" not in codes("I think I have a trapped nerve in my neck")


def test_a_clause_about_the_past_still_gives_its_context() -> None:
    # the operation is in the past, the fever is now
    assert floor("had a c section 10 days ago, now temp 39.3 and shivering") is E
    # a past episode alone is still the past
    assert floor("had a c section 10 days ago, all healed, want contraception advice") is None


def test_a_french_message_is_screened_with_every_rule_set_and_answered_in_english() -> None:
    assessment = assess("mon père a une douleur thoracique qui irradie dans le bras et il transpire")

    assert assessment.urgency_floor is E
    assert assessment.language is Language.EN
    assert assessment.patient_instruction == patient_messages.text_for(
        patient_messages.EMERGENCY, Language.EN
    )


def test_an_unsure_language_uses_every_languages_negation_and_clause_rules() -> None:
    # "sem" (pt) and "sin" (es) negate in a message the detector cannot place
    assert floor("sem dispneia, sin dolor toracico") is None
    # a Portuguese "no" ("in the") does not negate what follows in an unsure message
    assert floor("dor no peito opressiva, sudorese") is E
