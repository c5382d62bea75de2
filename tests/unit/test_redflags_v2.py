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


# --- a second round: clinical case descriptions, worried lay questions, es/pt clinical notes ----------

CASES_AND_QUESTIONS = [
    "A 58-year-old man presents with 1 hour of central chest pressure radiating to his left arm, with nausea and diaphoresis.",
    "A 34-year-old woman has had a sudden severe headache during sex, followed by vomiting and neck pain.",
    "A 25-year-old woman with a history of peanut allergy develops lip swelling and difficulty breathing after eating at a restaurant.",
    "A 70-year-old woman is brought in with sudden onset of right arm weakness and difficulty speaking that started 40 minutes ago.",
    "A 19-year-old college student has fever, headache, a stiff neck and a purple rash on his legs.",
    "A 45-year-old man with diabetes has had 2 days of vomiting, abdominal pain, and rapid deep breathing.",
    "A 30-year-old man was found unresponsive at home with an empty bottle of pills next to him.",
    "A 62-year-old smoker has sudden tearing chest pain radiating to the back.",
    "A 28-year-old woman who is 8 weeks pregnant has severe left lower abdominal pain and vaginal bleeding and feels dizzy.",
    "A 4-year-old boy is drooling, sitting forward, has a high fever and a muffled voice.",
    "A 2-month-old infant has a temperature of 38.5 C and is feeding poorly.",
    "A 65-year-old man has sudden severe pain in his left leg, which is cold and pale.",
    "A 50-year-old woman has severe epigastric pain radiating to the back with vomiting after heavy drinking.",
    "A 40-year-old man has vomited a large amount of bright red blood.",
    "A 15-year-old boy has sudden severe pain in his right testicle for 2 hours.",
    "A 55-year-old woman has sudden loss of vision in one eye, painless.",
    "A 72-year-old man has been confused for a day, with fever and a productive cough, respiratory rate 30.",
    "A 35-year-old woman 3 days after giving birth has severe headache and blurred vision, BP 170/115.",
    "A 68-year-old man with back pain cannot feel around his anus and has not passed urine since yesterday.",
    "An 80-year-old woman fell and hit her head, she takes warfarin and is now drowsy.",
    "A 22-year-old woman took 30 paracetamol tablets 4 hours ago after an argument.",
    "A 6-year-old child was stung by a wasp and now has wheezing and hives all over.",
    "A 3-year-old swallowed a coin-sized battery an hour ago.",
    "A 47-year-old man had a seizure for the first time while at work.",
    "A 60-year-old man on chemotherapy has a temperature of 38.6.",
    "A 39-year-old woman has sudden shortness of breath and pleuritic chest pain after a long-haul flight.",
    "A 52-year-old man has black tarry stools and felt faint on standing.",
    "A 26-year-old man was stabbed in the abdomen.",
    "An 8-month-old baby has had vomiting and diarrhoea for 2 days, no wet nappies since morning and is very sleepy.",
    "A 74-year-old woman has colicky abdominal pain, distension, vomiting and has not passed wind for 2 days.",
    "A 33-year-old man has had a crushing injury to his leg under a car.",
    "A 12-year-old girl with type 1 diabetes is vomiting and breathing fast.",
    "A 29-year-old woman is 34 weeks pregnant and has not felt the baby move since yesterday.",
    "A 44-year-old man has chest pain, his heart rate is 180 and he feels faint.",
    "A 5-year-old boy has a barking cough and noisy breathing at rest and is pale.",
    "A 67-year-old man had slurred speech and facial droop for 15 minutes that has now resolved.",
    "my husband is 60 and has had chest pain for an hour, should i call an ambulance or wait for the gp?",
    "my baby is 6 weeks old and has a temp of 38.3, is that bad?",
    "my dad cant move his right arm and his speech is weird since this morning, what should we do",
    "i took 20 of my antidepressants an hour ago i feel dizzy",
    "my wife is 30 weeks pregnant with a terrible headache and seeing flashing lights",
    "my son fell off the trampoline and hit his head, he's been sick 3 times and keeps falling asleep",
    "my mums face is swollen and she is wheezing after taking a new antibiotic",
    "i'm diabetic and my sugar reading says LO and im shaking and sweating and confused",
    "my 4 year old has a rash that doesn't go away when i press a glass on it and a fever",
    "my 80 year old father is suddenly very confused and has a temperature",
    "crushing chest pain wont go away, im 55",
    "can't catch my breath at all even sitting still, lips feel numb and look blue",
    "my friend collapsed at the party and isnt breathing properly",
    "I feel like I'm going to kill myself tonight and I have the pills ready",
    "sudden worst headache of my life, i threw up and my neck is stiff",
    "i'm bleeding heavily after my miscarriage, soaking a pad every 30 minutes",
    "my 10 month old has been vomiting green",
    "my toddler drank some bleach",
    "my back pain is so bad and now i cant control my bladder",
    "my daughter has a high fever and is floppy and wont wake up properly",
    "I'm 28 weeks pregnant and my waters just broke",
    "my grandmother has a temperature of 39, her breathing is fast and her skin is blotchy",
    "he got hit by a car while crossing the road and is lying on the ground",
    "the baby is having pauses in her breathing and turning blue",
    "my eye got splashed with oven cleaner",
    "tengo 60 años y un dolor en el pecho que me aprieta desde hace una hora",
    "mi hijo de 3 semanas tiene 38,2 de temperatura",
    "mi papá tiene la boca chueca y no puede hablar bien desde hace una hora",
    "me tomé un frasco de pastillas para dormir",
    "mi bebé tiene manchas moradas que no desaparecen y fiebre",
    "estoy embarazada de 30 semanas y me duele mucho la cabeza y veo luces",
    "mi esposo se cayó de una escalera de 4 metros y no se mueve",
    "mi hija tiene diabetes y está vomitando y respirando muy rápido",
    "no puedo respirar y tengo los labios morados",
    "me duele muchísimo la barriga, la tengo dura como una tabla",
    "tenho 62 anos e estou com dor no peito apertando há 1 hora",
    "meu bebê de 1 mês está com febre de 38",
    "meu pai está com a boca torta e não consegue falar direito",
    "tomei uma cartela inteira de remédio pra dormir",
    "meu filho está com manchas roxas que não somem e febre",
    "estou grávida de 32 semanas com dor de cabeça forte e vendo pontos brilhantes",
    "meu marido caiu do telhado e não se mexe",
    "minha filha diabética está vomitando e respirando rápido",
    "não consigo respirar e meus lábios estão roxos",
    "paciente com dor torácica típica há 2 horas, sudorese e dispneia",
    "paciente de 70 anos com hemiparesia à direita e afasia de início súbito",
    "paciente com rebaixamento do nível de consciência, Glasgow 8",
    "paciente con dolor torácico opresivo irradiado a mandíbula, diaforesis",
    "paciente de 75 años con hemiparesia izquierda y disartria de inicio súbito",
    "paciente con disminución del nivel de conciencia, Glasgow 9",
]


@pytest.mark.parametrize("text", CASES_AND_QUESTIONS)
def test_case_descriptions_and_worried_questions_are_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


ROUTINE_CASES = [
    "A 45-year-old man has had a mild cough and runny nose for 3 days.",
    "A 30-year-old woman has had a headache for 2 days that gets better with paracetamol.",
    "A 25-year-old man twisted his ankle playing football and can walk with a limp.",
    "A 60-year-old woman has had intermittent heartburn after meals for a month.",
    "A 35-year-old woman has burning when passing urine for 2 days, no fever.",
    "A 50-year-old man has had lower back pain after lifting boxes, no leg symptoms.",
    "A 3-year-old has had a runny nose and a temperature of 38 C, is eating and playing normally.",
    "A 70-year-old man asks about his blood pressure medication refill.",
    "A 28-year-old woman has a small cut on her finger that stopped bleeding.",
    "A 40-year-old man has had a sore throat for 4 days, can swallow, no drooling.",
    "my chest hurts a bit when i cough from this cold",
    "i had a panic attack yesterday and feel fine now, want to talk to someone about anxiety",
    "my 2 year old bumped his head on the table, cried straight away and is playing normally",
    "is it normal to feel a bit dizzy when i stand up too fast?",
    "had mild food poisoning yesterday, better now, still a bit tired",
    "my period is heavier than usual this month but no dizziness",
    "i have a rash on my arm that itches, no fever",
    "mi hijo tiene mocos y tos hace 3 días pero juega normal",
    "tengo dolor de garganta y un poco de fiebre, 37,8",
    "meu filho tem tosse e coriza há 2 dias, está brincando normal",
    "estou com dor nas costas depois da academia",
    "can I take ibuprofen with my blood pressure tablets?",
    "what should I do if my child swallows a battery?",
    "I want to book a smear test",
    "my father died of a heart attack, I want my cholesterol checked",
]


@pytest.mark.parametrize("text", ROUTINE_CASES)
def test_routine_cases_are_not_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- a third round: long chat messages, misspellings, shorthand notes ----------------------------------

CHAT_AND_SHORTHAND = [
    "Hi, I'm a 45 year old male. For the past hour I've had this weird pressure in my chest and my left arm feels heavy. Not sure if it's anxiety. Should I go to the ER?",
    "hello doctor, my mother is 70, since this morning she is not speaking properly and her right hand is weak, she also has high blood pressure",
    "I think im having an allergic reaction, my tongue feels thick and im having trouble swallowing",
    "my son has a siezure and its been going on for 6 minutes",
    "my dad is unconsious after falling down the stairs",
    "i cant breath properly and my chest pian is getting worse",
    "she took an overdoes of her sleeping pills",
    "my baby has a fever of 104 and is very lethargic",
    "my girlfriend is bleding a lot from her wrist, she cut it",
    "I'm 36 weeks pregnant and bleeding bright red, quite a lot",
    "my husband is slurring his words and his face looks droopy on one side, started 20 mins ago",
    "I was stung by a bee and now I have hives everywhere and my throat feels like it's closing",
    "I have type 1 diabetes, I've been throwing up all day and my ketones are high",
    "My 3 week old baby feels very hot and isn't feeding",
    "my 6 year old has a fever of 40, a headache and is vomiting and doesn't like the light",
    "I fell from a ladder about 3 meters and I can't move my legs",
    "I'm having the worst headache of my life, it came on suddenly while at the gym",
    "My dad's vision suddenly went black in one eye for a few minutes then came back",
    "Got hit in the head with a cricket ball, was knocked out for a minute and now has a headache and feels sick",
    "my friend drank a lot and now we can't wake her up and she's breathing slowly",
    "I've taken 16 paracetamol over the day for a toothache",
    "my son put a battery in his mouth and I think he swallowed it",
    "my husband was electrocuted while fixing a light",
    "i have sudden severe pain in my belly and i'm dizzy and pale, i had a positive pregnancy test last week",
    "I'm 2 weeks postpartum and suddenly short of breath with chest pain",
    "my grandma fell, can't get up and her leg looks shorter and turned out",
    "I have been vomiting blood and I feel faint",
    "my toddler is wheezing and the skin between his ribs is sucking in with every breath",
    "My 80-year-old mum is very drowsy and her sugar reading is 2.1",
    "I have chest pain and my heart is racing at 170 beats per minute",
    "there is blood pouring from my head after I hit it on a shelf, I'm on warfarin",
    "my daughter has a purple rash and she's very sleepy",
    "my husband's breathing is noisy and he's turning grey",
    "severe abdominal pain, hard belly, can't move, been vomiting",
    "I keep having thoughts of ending my life and I've got a plan",
    "my son is saying he wants to hurt himself and has a knife",
    "My dad is having a heart attack I think",
    "I took some pills, I don't want to be here anymore",
    "cannot feel my legs after a car accident",
    "baby not breathing",
    "he is turning blue",
    "she's fitting",
    "My wife suddenly can't speak",
    "there's a lot of blood after the birth, more than a period, and she's dizzy",
    "mi papá tiene dolor de pecho fuerte desde hace media hora y suda mucho",
    "mi mamá de 75 años de repente no puede mover el lado derecho y habla raro",
    "tengo una reacción alérgica, se me hinchó la lengua y me cuesta respirar",
    "mi hijo convulsiona desde hace 10 minutos",
    "mi abuelo está inconsciente y no reacciona",
    "me tomé 20 pastillas de paracetamol",
    "estoy embarazada de 35 semanas y sangro mucho",
    "mi bebé de un mes tiene fiebre de 38 y no quiere comer",
    "me caí de un tercer piso",
    "el peor dolor de cabeza de mi vida, empezó de golpe",
    "meu pai está com dor no peito forte há meia hora e suando frio",
    "minha mãe de 75 anos de repente não mexe o lado direito e fala enrolado",
    "estou tendo uma reação alérgica, minha língua inchou e estou com dificuldade para respirar",
    "meu filho está convulsionando há 10 minutos",
    "meu avô está desacordado e não reage",
    "tomei 20 comprimidos de paracetamol",
    "estou grávida de 35 semanas e sangrando muito",
    "meu bebê de um mês está com febre de 38 e não quer mamar",
    "caí do terceiro andar",
    "a pior dor de cabeça da minha vida, começou de repente",
    "Patient 55M, chest pain 2/10, ongoing 45 min, diaphoretic, BP 100/60",
    "Pt c/o SOB, RR 34, SpO2 84% RA",
    "Pt GCS 10, responds to pain only",
    "Pt post-partum, PV loss 800 ml",
    "Pt febrile 39.5, HR 125, BP 88/50",
    "Pt 4/52 old, temp 38.4",
]


@pytest.mark.parametrize("text", CHAT_AND_SHORTHAND)
def test_chat_messages_misspellings_and_shorthand_are_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


ROUTINE_CHAT = [
    "Hi, I'm 30 and I've had a runny nose and sore throat for 2 days, should I see a doctor?",
    "my chest feels a bit sore after doing push ups yesterday",
    "I have a mild headache after a long day at work",
    "my child has a cough but is playing and eating normally",
    "I cut my finger while cooking, it bled a bit but stopped with pressure",
    "I have had diarrhoea for one day, no blood, drinking fine",
    "is it safe to take paracetamol while breastfeeding?",
    "my toddler fell on his bottom, cried for a minute and is fine now",
    "I think I have a UTI, burning when I pee",
    "I have been feeling a little down lately, no thoughts of harming myself",
    "what are the symptoms of a heart attack?",
    "my dad had a stroke 5 years ago and needs a repeat prescription",
    "bumped my car at 5 mph in a car park, everyone fine",
    "my baby's head is a bit flat on one side",
    "I have had a cold sore for a few days",
    "mi hijo tiene un poco de tos y juega normal",
    "tengo un resfriado y me duele un poco la garganta",
    "meu filho está com um pouco de tosse e brincando normal",
    "estou resfriado e com um pouco de dor de garganta",
    "I'm worried about my cholesterol",
    "my knee hurts when I run",
]


@pytest.mark.parametrize("text", ROUTINE_CHAT)
def test_routine_chat_is_not_an_emergency(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- a fourth round: the kinds of emergency issue 11 lists, each in case-description, lay, es and pt form ----

ISSUE_LIST_KINDS = [
    "An 82-year-old man with fluctuating consciousness since last night, now difficult to rouse.",
    "Centrally cyanosed 3-year-old with a harsh inspiratory noise and drooling.",
    "A 17-year-old with a temperature of 39.9, vomiting and Kernig's sign positive.",
    "A 60-year-old woman with known rectal cancer passing large volumes of fresh blood per rectum, dizzy on standing.",
    "Epistaxis for 90 minutes despite pressure, on rivaroxaban, HR 115.",
    "A 10-year-old fell off a horse, hit his head, and is now increasingly sleepy and has vomited three times.",
    "Clear watery discharge from the left ear after an assault with a bat.",
    "A 16-year-old with type 1 diabetes, abdominal pain, Kussmaul breathing, capillary ketones 5.8.",
    "A 70-year-old on gliclazide found sweaty and confused, capillary glucose 1.9.",
    "The care home gave 30 units of NovoRapid instead of 3 units.",
    "A 30-year-old with peanut allergy, generalised urticaria, lip angioedema and wheeze after eating satay.",
    "A 40-year-old developed painful mouth ulcers, conjunctivitis and a blistering rash a week after starting carbamazepine.",
    "A 66-year-old had 20 minutes of left-sided facial droop and arm weakness, now completely resolved.",
    "A 59-year-old diabetic reports sudden painless loss of vision in the right eye this morning.",
    "A 45-year-old woman has new double vision and a droopy left eyelid with a headache.",
    "A 38-year-old had an abrupt, severe occipital headache while straining at stool, with vomiting.",
    "A 47-year-old with bilateral sciatica, perineal numbness and new urinary incontinence.",
    "An 85-year-old man unable to pass urine for 16 hours with a palpable tender bladder.",
    "A 5-week-old had an episode of not breathing, limpness and colour change lasting 30 seconds.",
    "A 2-year-old who was walking yesterday now refuses to bear weight on the left leg and has a fever of 38.9.",
    "A 19-year-old took 50 ibuprofen and 20 paracetamol tablets after an argument.",
    "A 3-year-old swallowed an unknown number of his grandmother's amitriptyline tablets.",
    "Driver in a head-on collision at 50 mph, prolonged extrication, GCS 14.",
    "A 25-year-old motorcyclist was thrown 15 metres from his bike.",
    "A 4-year-old swallowed three small magnets and has abdominal pain.",
    "A 52-year-old alcoholic, 48 hours since last drink, tremulous, hallucinating and febrile.",
    "A 64-year-old, day 4 after bowel resection, temperature 38.7, heart rate 120 and abdominal pain.",
    "Haemoptysis of a cupful of fresh blood in a 55-year-old smoker.",
    "A 34-year-old woman 2 weeks after caesarean section, sudden pleuritic chest pain and breathlessness.",
    "A 58-year-old has had crushing chest pain for 45 minutes, BP 90/60, clammy.",
    "A 42-year-old has bloody diarrhoea 10 times a day, abdominal pain, temperature 38.5 and HR 110.",
    "A 70-year-old with colicky abdominal pain, vomiting and a tender lump in the groin that won't go back.",
    "A 29-year-old asthmatic, salbutamol not helping, speaking in words only, SpO2 91%.",
    "my mum keeps nodding off mid sentence and then waking up confused",
    "my grandad's lips and fingertips are going blue",
    "my sister has a temperature and a rash like little purple dots",
    "there's blood coming from my dads stoma and it won't stop",
    "he banged his head and now he's slurring and very sleepy",
    "clear liquid dripping from my son's nose since he fell off his bike",
    "my sugars are 27 and my ketone meter says 3.8",
    "my husband is diabetic and we can't wake him properly, his sugar is 2.2",
    "I accidentally injected my insulin twice this evening",
    "my daughter ate a peanut and her face is swelling up and she's coughing",
    "I've got blisters inside my mouth and my skin is peeling since starting a new tablet",
    "my arm went numb and heavy for 10 minutes and now it's fine",
    "i suddenly can't see out of my left eye",
    "my eyes are seeing double since this morning and my head hurts",
    "the worst pain ever in my head came on like a thunderclap",
    "i have back pain and i'm numb between my legs and can't feel when i pee",
    "my grandfather hasn't been able to pee since yesterday and is in pain",
    "my newborn stopped breathing and went blue for a few seconds",
    "my 2 year old suddenly won't walk and screams when I touch his leg, he's hot",
    "my friend swallowed a whole bottle of pills",
    "my son drank some of the antifreeze from the garage",
    "car crash on the motorway, my wife is stuck and bleeding",
    "my son swallowed a coin battery",
    "my brother stopped drinking and now he's shaking and seeing things",
    "had my appendix out 3 days ago and now I've got a fever and feel terrible",
    "I'm coughing up a lot of blood",
    "I'm 3 weeks post c-section and have sudden chest pain and can't catch my breath",
    "mi madre se queda dormida a ratos y cuando despierta está confundida",
    "los labios de mi abuelo se están poniendo azules",
    "mi hija tiene fiebre y unos puntitos morados en la piel",
    "me pegué en la cabeza y ahora estoy muy somnoliento y vomitando",
    "mi azúcar está en 30 y tengo cetonas altas",
    "me inyecté la insulina dos veces por error",
    "mi hijo comió maní y se le está hinchando la cara y tose",
    "me salieron ampollas en la boca y la piel se me pela desde que empecé una pastilla nueva",
    "se me durmió el brazo por 10 minutos y ya se me pasó",
    "de repente no veo por el ojo izquierdo",
    "veo doble desde esta mañana",
    "tengo dolor de espalda y no siento nada entre las piernas",
    "mi abuelo no ha podido orinar desde ayer",
    "mi recién nacido dejó de respirar y se puso azul",
    "mi hijo de 2 años de repente no quiere caminar y tiene fiebre",
    "mi amigo se tomó un frasco entero de pastillas",
    "accidente en la autopista, mi esposa está atrapada",
    "mi hijo se tragó una pila de botón",
    "mi hermano dejó de beber y ahora tiembla y ve cosas",
    "me operaron del apéndice hace 3 días y tengo fiebre",
    "estoy tosiendo mucha sangre",
    "minha mãe fica cochilando e acorda confusa",
    "os lábios do meu avô estão ficando roxos",
    "minha filha está com febre e pontinhos roxos na pele",
    "bati a cabeça e agora estou muito sonolento e vomitando",
    "minha glicemia está em 500 e a cetona alta",
    "apliquei insulina duas vezes sem querer",
    "meu filho comeu amendoim e o rosto está inchando e ele está tossindo",
    "apareceram bolhas na minha boca e a pele está descascando depois de um remédio novo",
    "meu braço ficou dormente por 10 minutos e já passou",
    "de repente não enxergo do olho esquerdo",
    "estou vendo dobrado desde hoje cedo",
    "estou com dor nas costas e não sinto nada entre as pernas",
    "meu avô não consegue urinar desde ontem",
    "meu recém-nascido parou de respirar e ficou roxo",
    "meu filho de 2 anos de repente não quer andar e está com febre",
    "meu amigo tomou um frasco inteiro de remédio",
    "acidente na estrada, minha esposa está presa nas ferragens",
    "meu filho engoliu uma bateria de relógio",
    "meu irmão parou de beber e agora está tremendo e vendo coisas",
    "operei o apêndice há 3 dias e estou com febre",
    "estou tossindo muito sangue",
]


@pytest.mark.parametrize("text", ISSUE_LIST_KINDS)
def test_each_kind_the_issue_lists_in_four_voices(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


ROUTINE_LOOKALIKES = [
    "A 35-year-old with a swollen ankle after an inversion injury, able to weight bear.",
    "A 50-year-old with intermittent heartburn relieved by antacids.",
    "A 28-year-old with a mild tension-type headache, normal neurological examination.",
    "A 60-year-old with stable knee osteoarthritis wanting physiotherapy.",
    "A 6-year-old with a mild fever of 37.9, eating and drinking, running around.",
    "A 25-year-old with a sprained wrist, no deformity, full range of movement.",
    "A 70-year-old with constipation for 3 days, passing wind, no vomiting.",
    "my blood sugar was 8.5 after dinner is that ok",
    "I bumped my head on a cupboard, no headache, feel fine",
    "my son had a nosebleed that stopped after 10 minutes",
    "my eye is a bit itchy and watery, vision fine",
    "I get pins and needles in my hand at night",
    "my dad had a TIA two years ago and wants a check up",
    "mild stomach cramps after eating too much",
    "I need a sick note for my back pain",
    "mi azúcar estuvo en 7 esta mañana, ¿está bien?",
    "me golpeé la cabeza con la puerta, estoy bien, sin dolor",
    "minha glicemia deu 110 em jejum",
    "bati a cabeça na porta, estou bem",
]


@pytest.mark.parametrize("text", ROUTINE_LOOKALIKES)
def test_routine_lookalikes_are_not_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


SAME_DAY = [
    "burning when I pee and a temperature of 38.4 with pain in my back",
    "kidney stone pain coming and going again, no fever",
    "the cat bite on my hand is red and the redness is spreading up my arm",
    "I think I've broken my wrist, it looks bent",
    "burnt my arm on the iron, there's a big blister",
    "I've been having dark thoughts about ending it but I have no plan",
    "streaks of blood in my diarrhoea since yesterday, no fever",
    "my heart keeps skipping beats today, no pain",
    "my headaches are getting worse every morning for three weeks",
    "back pain that wakes me at night and I had breast cancer",
    "12 weeks pregnant and vomiting everything all day",
    "my brother is hearing voices and hasn't slept for 3 days",
    "gave my son a double dose of calpol by mistake, he seems fine",
    "my daughter pushed a bead up her nose",
    "my son split his knee open on a rock, I think it needs stitches",
    "pain in the lower right of my tummy since last night, worse when I walk",
    "chest infection for a week, green phlegm and a temperature",
    "contact lens eye very red and painful",
]


@pytest.mark.parametrize("text", SAME_DAY)
def test_same_day_problems_get_the_urgent_floor(text: str) -> None:
    # the rules alone; the model's share of look-alikes: tests/unit/test_redflag_model.py
    assessment = assess(text, model=False)
    assert assessment.urgency_floor is U, [(f.code, f.floor.value, f.evidence) for f in assessment.red_flags]


# --- the kinds of false alarm the external set showed: exertional or anxious chest discomfort, low-energy
# collisions, a parent asking whether something is a seizure, and everyday look-alikes ----------------------

NEAR_MISSES = [
    "I get a dull ache in my chest when I run for the bus, it goes when I stop, no pain at rest",
    "chest feels a bit heavy after climbing stairs, better within a minute of resting",
    "A 55-year-old man reports chest tightness only on brisk walking, relieved by rest in 2 minutes, none at rest.",
    "slight pressure in my chest when I'm anxious, goes away when I calm down",
    "chest pain when I press on my ribs after coughing all week",
    "I've got a twinge in my chest when I breathe in deeply after the gym",
    "my chest has been sore since I fell on it playing rugby, I can breathe fine",
    "minor fender bender, we were going about 5 mph, bit sore neck",
    "someone drove into the back of me at the lights, slow speed, I'm fine but my neck aches",
    "got knocked off my bike at low speed, grazed knee, nothing else",
    "car slid into a ditch at walking pace, everyone got out fine",
    "A 30-year-old driver in a low-speed collision, self-extricated, ambulant, complaining of neck stiffness.",
    "tuve un choque leve a baja velocidad, me duele un poco el cuello",
    "bati o carro devagar no estacionamento, estou bem, só um susto",
    "my baby twitches in her sleep, could that be a seizure?",
    "my son's eyes roll up when he's falling asleep, is that a fit?",
    "how can I tell if my toddler is having a seizure or just a tantrum?",
    "my daughter stared into space for a few seconds at school, the teacher wondered if it was a seizure, she's fine",
    "mi hija tiembla cuando tiene fiebre, ¿será una convulsión? está despierta y habla",
    "meu filho estremece quando dorme, será convulsão?",
    "my 3 year old had a temperature of 38.5 for a day, drinking well and playing",
    "my baby has a runny nose and a slight temperature of 37.8",
    "I bumped my head on a cupboard door, no loss of consciousness, slight headache",
    "my son fell off the sofa and hit his head, cried straight away, behaving normally, no vomiting",
    "I have a mild headache after not drinking enough water",
    "tummy ache after eating a big meal, no vomiting",
    "I've had a few loose stools today, no blood",
    "my periods are a bit heavier this month, no clots",
    "nosebleed that stopped after 10 minutes of pinching",
    "I cut my finger on paper, it's fine",
    "my ankle is sore after twisting it, I can walk on it",
    "I feel anxious and my heart races sometimes when I'm stressed",
    "I had a panic attack, I'm OK now",
    "I've got hay fever, runny nose and itchy eyes",
    "I'm a bit out of breath when I run, I'm unfit",
    "cough for a week, no fever, breathing fine",
    "my mum has dementia and is a bit more confused in the evenings, same as usual",
    "I have type 2 diabetes, my sugar was 9 this morning",
    "my blood pressure at the pharmacy was 145/90",
    "I took two paracetamol for a headache",
    "my son swallowed some toothpaste",
    "my toddler ate a bit of soil in the garden",
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_emergencies(text: str) -> None:
    # the rules alone; the model's share of look-alikes: tests/unit/test_redflag_model.py
    assessment = assess(text, model=False)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- short urgent pleas in the three languages ------------------------------------------------------------

SHORT_PLEAS = [
    "a mi papá se le durmió la mitad del cuerpo de repente",
    "mi abuela de repente no puede hablar y se le cayó la cara de un lado",
    "no le entra el aire, está silbando mucho y no puede hablar",
    "não entra ar, ele está chiando muito e não consegue falar",
    "me picó una abeja y se me está cerrando la garganta",
    "mi hermana está desmayada y no despierta",
    "minha irmã está desmaiada e não acorda",
    "estoy sangrando sin parar de una herida en la pierna",
    "se tomó todas las pastillas de su mamá",
    "ela tomou todos os remédios da caixa",
    "me quiero matar esta noche",
    "quero me matar hoje",
    "le está dando un ataque epiléptico y no para",
    "ele está tendo uma crise convulsiva que não passa",
    "se quemó con agua hirviendo toda la espalda",
    "o bebê está molinho, não mama e quase não acorda",
    "el bebé está muy decaído, no come y casi no despierta",
    "mi hijo tiene fiebre, dolor de cabeza fuerte y no puede mover el cuello",
    "meu filho tem febre, dor de cabeça forte e não consegue mexer o pescoço",
    "rompí fuente y tengo 30 semanas",
    "estoy embarazada y sangro muchísimo",
    "me cayó cloro en el ojo y no veo bien",
    "caiu água sanitária no olho dele",
    "mi papá se está ahogando con comida",
    "meu pai engasgou com carne e não consegue respirar",
    "tengo un dolor en el pecho horrible y me falta el aire",
    "estou com uma dor no peito horrível e falta de ar",
    "my wife is having a stroke",
    "my father collapsed and is not breathing",
    "he's having a really bad asthma attack and his inhaler isn't working",
    "she's gone floppy and blue",
    "my son is having a fit and it won't stop",
    "I've been stabbed",
    "there's been a car crash and someone is unconscious",
    "my baby is 5 weeks old and has a fever",
    "my mum's face has dropped on one side",
    "I've taken an overdose",
    "I want to end my life tonight",
    "I'm bleeding heavily and feel faint",
    "my daughter's throat is swelling after eating nuts",
    "my child swallowed some pills",
    "I can't wake my husband up",
    "my 2 year old has a rash that doesn't fade with a glass and a fever",
]


@pytest.mark.parametrize("text", SHORT_PLEAS)
def test_short_pleas_are_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- environmental, neonatal, airway, vascular and laboratory emergencies ---------------------------------

LESS_COMMON = [
    "the whole family has headaches and feels dizzy since the boiler was fixed, my son just passed out",
    "my dad was working in the sun all day, now he's confused, hot and not sweating",
    "found my neighbour on the floor, she's ice cold and mumbling",
    "my son was pulled out of the lake and is coughing up water and breathing fast",
    "my daughter has sickle cell and has a fever and severe chest pain",
    "positive pregnancy test, sharp pain on one side and pain in my shoulder tip, feeling faint",
    "34 weeks pregnant with constant severe tummy pain and the bump feels hard",
    "my waters broke and I can see the cord",
    "my 2 day old baby is very yellow and sleepy and not feeding",
    "my 1 year old has had diarrhoea all day, is very sleepy, no wet nappies and sunken eyes",
    "my son swallowed a button battery 30 minutes ago",
    "after my first dose of amoxicillin my whole body is covered in hives and my throat is tight",
    "my lips and tongue are massively swollen, I take ramipril",
    "my 4 year old is drooling, can't swallow and sitting leaning forward with a high fever",
    "my baby has croup, the noise is there even when she's resting and she's pulling in under her ribs",
    "my 3 month old has bronchiolitis and is struggling to feed and breathing really fast",
    "Sats 88% RA, RR 30, new confusion.",
    "SBP 82, HR 128, T 38.9, lactate 4.6.",
    "GCS 12, pupils unequal after a fall.",
    "BM 1.8, drowsy, unable to take oral glucose.",
    "K+ 7.2 on routine bloods, feels weak.",
    "ECG shows ST elevation in V1-V4.",
    "Temp 34.8 found outside, shivering stopped.",
    "RR 8, pinpoint pupils, known heroin user.",
    "Unresponsive to voice, responds to pain.",
    "A 24-year-old woman, 6 weeks since last period, sudden severe lower abdominal pain and collapse.",
    "A 70-year-old man with abdominal pain radiating to the back, pulsatile mass and BP 80/50.",
    "A 2-week-old with bilious vomiting.",
    "A 9-month-old with intermittent inconsolable crying, drawing up legs and redcurrant jelly stool.",
    "A 14-year-old boy with sudden scrotal pain and vomiting.",
    "A 45-year-old woman with a sudden severe headache and a drooping eyelid.",
    "A 60-year-old with a hot swollen knee, fever 39.4 and rigors.",
    "A 30-year-old woman with leg swelling and sudden breathlessness on the oral contraceptive pill.",
    "mi hijo de 4 años babea, no puede tragar y tiene fiebre alta",
    "toda la familia tiene dolor de cabeza y mareo desde que prendimos el brasero, mi hija se desmayó",
    "meu pai ficou no sol o dia todo, agora está confuso e muito quente",
    "mi bebé de 2 días está muy amarillo y no quiere comer",
    "o bebê de 1 ano com diarreia, muito sonolento, sem fazer xixi e olhos fundos",
]


@pytest.mark.parametrize("text", LESS_COMMON)
def test_less_common_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- everyday messages that use emergency words --------------------------------------------------------

EVERYDAY_WITH_ALARM_WORDS = [
    "my chest is tight from this cold and I'm coughing a lot, breathing ok",
    "I had a seizure in 2015 and I'm on keppra, need a repeat prescription",
    "can I get my blood test results?",
    "I'd like a blood pressure check",
    "my gums bleed a little when I brush",
    "my 7 month old has a fever of 38.3 but is feeding well and smiling",
    "I'm 20 weeks pregnant and get mild cramps when I stand up quickly",
    "my tummy hurts a bit after lunch",
    "I sometimes feel a bit dizzy when I stand up",
    "I've had numbness in my toes for years from my diabetes",
    "my vision is blurry when I read small print",
    "I need my stitches removed",
    "my wound is healing well, just checking",
    "I have a headache and a stiff neck from sleeping in a bad position",
    "I took an extra vitamin D tablet by mistake",
    "I was in a car accident last year and still get neck pain",
    "is chest pain a symptom of covid?",
    "what is the number for the out of hours doctor?",
    "my son has a temperature of 38 and a sore throat, he's eating ice cream",
    "I have a cold sore and a slight fever",
    "I think I have the flu, aches and a temperature of 38.5",
    "my period is late, could I be pregnant?",
    "I'm on warfarin and need my INR checked",
    "my mum has COPD and is a bit more breathless than usual, she's using her inhaler which helps",
    "I have a rash on my legs after starting a new washing powder",
    "my baby has been sick once after her feed, she's fine now",
    "I have piles and noticed a little blood on the tissue",
    "my child has nits",
    "I fainted once last month at a concert, I'm fine now",
    "I had chest pain yesterday for a few seconds, none today",
    "my daughter fell and grazed her knee",
    "I have a lump in my breast I'd like checked",
    "my dad is 85 and more forgetful lately",
    "i have anxiety and my heart beats fast when I'm nervous",
    "heartburn after spicy food",
    "I get short of breath climbing three flights of stairs",
    "my eye is red and itchy, no pain, vision fine",
    "I have back pain from gardening",
    "my ankle is swollen after a long flight, both ankles, no pain",
    "I've got a bad hangover",
    "mi hijo tiene fiebre de 38 y está jugando",
    "tengo un poco de dolor de estómago después de comer",
    "me sangran un poco las encías al cepillarme",
    "meu bebê de 8 meses está com febre de 38 mas mamando bem",
    "estou com um pouco de dor de barriga depois do almoço",
    "tive uma convulsão há 10 anos, preciso renovar a receita",
]


@pytest.mark.parametrize("text", EVERYDAY_WITH_ALARM_WORDS)
def test_everyday_messages_with_alarm_words_are_not_emergencies(text: str) -> None:
    # the rules alone; the model's share of look-alikes: tests/unit/test_redflag_model.py
    assessment = assess(text, model=False)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- case descriptions in the Spanish and Portuguese clinical register --------------------------------

CLINICAL_ES_PT = [
    "Varón de 62 años con dolor torácico opresivo de 1 hora de evolución, irradiado a brazo izquierdo, con cortejo vegetativo.",
    "Mujer de 70 años con desviación de la comisura bucal y hemiparesia derecha de inicio hace 2 horas.",
    "Niño de 3 años con fiebre de 39,5, rigidez de nuca y petequias en piernas.",
    "Paciente de 25 años con disnea, sibilancias y edema de labios tras comer cacahuetes.",
    "Varón de 45 años, diabético tipo 1, con vómitos, dolor abdominal y respiración de Kussmaul.",
    "Mujer de 30 años, gestante de 32 semanas, con cefalea intensa, fotopsias y TA 165/112.",
    "Paciente de 80 años encontrado en el suelo, estuporoso, Glasgow 9.",
    "Varón de 55 años con hematemesis abundante y melenas, TA 90/50.",
    "Mujer de 28 años con dolor abdominal intenso en fosa iliaca izquierda, amenorrea de 7 semanas y mareo.",
    "Lactante de 2 meses con fiebre de 38,4.",
    "Homem de 62 anos com dor torácica em aperto há 1 hora, irradiada para o braço esquerdo, sudorese e náuseas.",
    "Mulher de 70 anos com desvio de rima labial e hemiparesia direita de início há 2 horas.",
    "Criança de 3 anos com febre de 39,5, rigidez de nuca e petéquias nas pernas.",
    "Paciente de 25 anos com dispneia, sibilância e edema de lábios após comer amendoim.",
    "Homem de 45 anos, diabético tipo 1, com vômitos, dor abdominal e respiração de Kussmaul.",
    "Gestante de 32 semanas com cefaleia intensa, escotomas e PA 165x112.",
    "Idoso de 80 anos encontrado no chão, torporoso, Glasgow 9.",
    "Homem de 55 anos com hematêmese volumosa e melena, PA 90x50.",
    "Mulher de 28 anos com dor abdominal intensa em fossa ilíaca esquerda, atraso menstrual de 7 semanas e tontura.",
    "Lactente de 2 meses com febre de 38,4.",
    "A 50-year-old man has had pain in his left calf for 3 days and is now short of breath and coughing up blood.",
    "A 20-year-old has periumbilical pain that moved to the right lower quadrant, with fever of 38.4 and vomiting.",
    "A 3-year-old has had a barking cough and now has stridor at rest and is very agitated.",
    "A 72-year-old woman with sudden onset of slurred speech and left-sided weakness 1 hour ago.",
    "An 18-month-old with a febrile seizure lasting 15 minutes.",
    "A 55-year-old alcoholic with vomiting of bright red blood after retching.",
    "A 32-year-old woman 10 days postpartum with a fever of 39, foul lochia and tachycardia.",
]


@pytest.mark.parametrize("text", CLINICAL_ES_PT)
def test_clinical_case_descriptions_in_spanish_and_portuguese(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- risk to others, drugs, necrotising infection, cord compression, head injury on anticoagulants ----------

FURTHER_KINDS = [
    "my brother is psychotic and says he's going to kill our mum, he has a knife",
    "my partner is threatening to kill me and himself",
    "I can't stop thinking about jumping in front of a train, I'm at the station now",
    "she has cut herself badly and it won't stop bleeding",
    "took 10 of my mums heart tablets",
    "my 18 month old ate some wild mushrooms from the garden and is vomiting",
    "my toddler swallowed some iron tablets",
    "drank weedkiller on purpose",
    "my husband injected way too much insulin and is sweating and shaking",
    "he smoked something and now he's fitting",
    "my friend took ecstasy and is really hot, confused and twitching",
    "spider bite and now my whole leg is red, swollen, I have a fever and feel very ill",
    "my son has a rash of small purple spots all over and he's drowsy",
    "skin is peeling off in sheets and my mouth is full of sores",
    "my leg is very painful and swollen with dark purple blisters and I feel really unwell",
    "erection won't go down for 5 hours and it's painful",
    "I haven't been able to pee all day and I'm in agony",
    "my son was hit in the eye with a ball and now can't see properly and the eye looks full of blood",
    "got bleach in my eye while cleaning",
    "my back is agony and my legs are going numb and weak",
    "I've been in a sickle cell crisis for hours, the pain is unbearable and I'm struggling to breathe",
    "my foot is cold, blue and I can't move my toes",
    "my son fell off the climbing frame onto his head and isn't acting like himself",
    "grandpa fell down the stairs, he's bleeding from the head and on blood thinners",
    "my husband's chest is crushing, he's grey and sweating",
    "chest pain and I'm 8 months pregnant",
    "I'm 37 weeks and there's a gush of blood",
    "my baby is 3 weeks and won't wake for feeds",
    "my 6 month old has a temperature of 40 and is hard to wake",
]


@pytest.mark.parametrize("text", FURTHER_KINDS)
def test_further_kinds_of_emergency(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- long worried chat messages and texted shorthand ------------------------------------------------------

LONG_CHAT = [
    "So my husband (58) has been complaining of indigestion since lunch but now he's gone really pale and clammy and says his jaw aches. He doesn't want a fuss. What do you think?",
    "Hi there, my 4 month old has been really unsettled today and now she has this blotchy rash that doesn't go when I roll a glass over it. She's also quite floppy. Is this serious?",
    "My elderly mum has had diarrhoea and vomiting for three days, she's barely drinking, hasn't passed urine since yesterday and is now very muddled. Should I take her in?",
    "I'm 24 and for the last half hour I've had the worst headache of my life, it came on suddenly when I was at the gym, I've been sick and my neck feels stiff. Could it be a migraine?",
    "My teenage son took a load of his sister's pills after an argument, he says he's fine but I don't know how many he had. What should I do?",
    "I've had a cough for a week but today I'm struggling to breathe, I can't finish a sentence and my lips look a bit blue. I have asthma.",
    "My dad fell in the bathroom and hit his head on the sink. He's on warfarin. He seems ok but has a big lump and has been sick once. Do we need to go to A&E?",
    "I'm 29 weeks pregnant and I've suddenly got swelling in my face and hands, a pounding headache and I'm seeing spots. Is this normal?",
    "My friend has type 1 diabetes and she's been vomiting all night, her breathing is weird and deep and she's really drowsy. Her sugar meter just says HI.",
    "I think my son might have swallowed one of those small round batteries from a toy, he's 2. He seems fine at the moment, do I need to do anything?",
    "My wife just collapsed in the kitchen, she's breathing but not responding to me, what do I do?",
    "I was chopping wood and the axe slipped, there's a deep cut in my leg and blood is pumping out",
    "My 70-year-old father has suddenly started talking gibberish and can't lift his right arm. It started about 30 mins ago.",
    "My son (6) was stung by a wasp 10 minutes ago and now he's covered in a rash, his face is puffing up and he's wheezing.",
    "I'm 10 days after my c-section and I've got a high temperature, the wound is red and oozing, and I feel shivery and awful.",
    "My 3 year old has had a high temperature for 2 days and today she's really lethargic, won't drink anything and has cold hands and feet.",
]


TEXTED = [
    "chest hurts bad cant breath",
    "cant breath",
    "bleeding wont stop",
    "baby not waking up",
    "took all my pills",
    "hes not breathing",
    "she fitting",
    "he collapsed",
    "help my dad chest pain sweating",
    "face droopy arm weak",
    "stabbed",
    "od on paracetamol",
    "throat closing up",
    "cut deep blood pumping",
    "can't feel legs after fall",
    "overdosed",
    "labour bleeding heavy",
    "kid swallowed battery",
    "suicidal got rope",
]


@pytest.mark.parametrize("text", LONG_CHAT + TEXTED)
def test_long_chat_and_texted_shorthand(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


def test_heartburn_with_a_bit_of_sweat_from_chilli_is_not_cardiac() -> None:
    assert assess("heartburn after spicy food, a bit sweaty from the chilli").urgency_floor is not E


# --- third-person case descriptions without the usual alarm words ---------------------------------------

UNDERSTATED_CASES = [
    "A 65-year-old woman feels short of breath and nauseated and has discomfort in her upper back and jaw for the past hour.",
    "A 30-year-old woman who recently started birth control pills has sudden shortness of breath and a fast heart rate.",
    "A 10-year-old boy with asthma is breathing fast, using his neck muscles to breathe, and his inhaler is not helping.",
    "An 18-year-old college student has a high fever, a severe headache and is confused.",
    "A 12-year-old has pain around the belly button that moved to the lower right side, with nausea and a fever of 38.5.",
    "A 14-year-old girl has been very thirsty and urinating a lot, and is now vomiting with abdominal pain and fast breathing.",
    "A 75-year-old man suddenly has trouble walking, is dizzy and has slurred speech.",
    "An 80-year-old woman with a urinary infection is now confused, her heart rate is fast and her blood pressure is low.",
    "A 25-year-old took extra paracetamol for toothache over several days and is now yellow and confused.",
    "A tall thin 20-year-old has sudden sharp chest pain on one side and shortness of breath.",
    "A 72-year-old woman has a new headache, pain in her jaw when chewing and blurred vision in one eye.",
    "A 4-week-old baby is projectile vomiting after every feed, is not having wet nappies and is lethargic.",
    "A 3-year-old boy has been vomiting and has not passed urine all day, he is very sleepy and his lips are dry.",
    "A 6-month-old baby has a temperature of 39 and a seizure that has stopped, she is now very drowsy.",
    "A 50-year-old man with a history of alcohol use has vomited a large amount of dark blood and is lightheaded.",
    "A 35-year-old woman has severe pain in her lower abdomen, fever and vaginal discharge, and is vomiting and can't keep fluids down.",
    "A 45-year-old woman has a severe headache, vomiting and blood pressure of 220/130.",
    "A 60-year-old man has sudden severe pain in the abdomen and back and collapsed at home.",
    "A 28-year-old man has a rapid heartbeat of 190 and feels dizzy and short of breath.",
    "An 8-year-old girl has a swollen face and tongue after a bee sting and is having trouble breathing.",
]


@pytest.mark.parametrize("text", UNDERSTATED_CASES)
def test_understated_case_descriptions(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- same-day or routine problems that must not be called emergencies -----------------------------------

NOT_EMERGENCY_CASES = [
    "A 30-year-old has had a fever of 38.6 and a productive cough for 3 days, breathing comfortably.",
    "A 40-year-old woman has burning urination, a temperature of 38.3 and mild back pain, eating and drinking.",
    "A 45-year-old man has severe colicky pain from his side to his groin, no fever.",
    "A 28-year-old woman with known migraine has her usual one-sided headache with zigzag lines before it.",
    "A 60-year-old has had spinning dizziness when turning over in bed for 2 days, no other symptoms.",
    "A 35-year-old fell on an outstretched hand and has a swollen, tender wrist.",
    "A 50-year-old woman has a red, warm area on her shin that is slowly spreading, no fever.",
    "A 30-year-old man has a painful swollen jaw from a bad tooth, can swallow and open his mouth.",
    "A 22-year-old had palpitations for 10 minutes that stopped on their own, feels fine now.",
    "A 7-year-old with mild asthma is wheezy with a cold, talking normally, inhaler helping.",
    "A 25-year-old has an itchy rash after a new antibiotic, no swelling of lips or tongue, breathing fine.",
    "A 4-year-old has a fever of 38.5 and ear pain, drinking well.",
    "A 2-year-old has a barking cough at night, no noise at rest, happy during the day.",
    "A 35-year-old has had diarrhoea and vomiting for a day, drinking fluids, passing urine.",
    "A 55-year-old has low back pain after gardening, no numbness, bladder and bowels normal.",
    "A 65-year-old has a painful blistering rash in a band on one side of her chest.",
    "A 30-year-old has a red sticky eye, vision normal.",
    "A 10-week pregnant woman has light spotting, no pain.",
    "A 20-year-old has a racing heart and tingling fingers during a panic attack, now settling.",
    "A 58-year-old has a blood pressure of 172/104 at a pharmacy check, no symptoms.",
    "A 40-year-old diabetic has a glucose of 18, feels well, eating and drinking.",
    "A 19-year-old fainted after giving blood, recovered fully within a minute.",
    "A 33-year-old bumped his head on a shelf, no loss of consciousness, no vomiting, not on blood thinners.",
    "A 45-year-old was bitten on the hand by a dog, small puncture wounds, bleeding stopped.",
    "my son has a temperature of 38.9 and a sore ear but is watching tv and drinking",
    "I've had a migraine since this morning like my usual ones",
    "my wrist is swollen after a fall, I can move my fingers",
    "I've got a tooth abscess and my cheek is a bit swollen",
    "my baby has had a cold for 3 days, feeding well, a bit snuffly",
    "my 8 year old has chickenpox, spots everywhere, she's playing",
    "I think I have a UTI, no fever",
    "I've got really bad period pain like every month",
    "I feel lightheaded when I haven't eaten",
    "my toddler has a bump on his head after falling off a chair, he's playing normally",
]


@pytest.mark.parametrize("text", NOT_EMERGENCY_CASES)
def test_same_day_or_routine_cases_are_not_emergencies(text: str) -> None:
    # the rules alone; the model's share of look-alikes: tests/unit/test_redflag_model.py
    assessment = assess(text, model=False)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- the same emergencies told in Spanish and in Portuguese ------------------------------------------------

SPANISH_AND_PORTUGUESE = [
    "mi mamá tiene la presión en 210/120 y le duele mucho la cabeza y ve borroso",
    "mi hijo se cayó de la bici, se pegó en la cabeza, vomitó y ahora no me reconoce",
    "tengo diabetes y el azúcar me marca 35, estoy sudando y temblando y muy confundido",
    "mi esposa tuvo a la bebé hace una semana y ahora tiene fiebre alta, escalofríos y el flujo huele mal",
    "a mi hijo de 10 meses le dio una convulsión con la fiebre y no se despierta bien",
    "mi papá tiene un dolor de espalda terrible que le llega al pecho, como si lo rasgaran",
    "mi hija de 15 años se tomó un blíster entero de pastillas para dormir",
    "mi abuelo se cayó y no puede levantarse, la pierna la tiene más corta y girada",
    "tengo un sangrado por la nariz desde hace una hora que no para y tomo sintrom",
    "mi hijo tiene un dolor muy fuerte en el testículo desde hace una hora y vomita",
    "estoy de 38 semanas, rompí aguas y veo el cordón",
    "minha mãe está com pressão 22 por 12, dor de cabeça forte e vista embaçada",
    "meu filho caiu da bicicleta, bateu a cabeça, vomitou e agora não me reconhece",
    "sou diabético e a glicemia deu 35, estou suando, tremendo e muito confuso",
    "minha esposa teve bebê há uma semana e agora está com febre alta, calafrios e corrimento com cheiro forte",
    "meu filho de 10 meses teve convulsão com febre e não acorda direito",
    "meu pai está com uma dor nas costas horrível que vai pro peito, como se estivesse rasgando",
    "minha filha de 15 anos tomou uma cartela inteira de remédio pra dormir",
    "meu avô caiu e não consegue levantar, a perna está mais curta e virada",
    "estou com sangramento no nariz há uma hora que não para e tomo varfarina",
    "meu filho está com uma dor muito forte no testículo há uma hora e está vomitando",
    "estou com 38 semanas, a bolsa rompeu e dá pra ver o cordão",
]


@pytest.mark.parametrize("text", SPANISH_AND_PORTUGUESE)
def test_the_same_emergencies_in_spanish_and_portuguese(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


def test_portuguese_como_se_is_as_if_not_a_question() -> None:
    assert floor("dor no peito muito forte, como se tivesse um peso em cima, suando frio") is E
    assert floor("como se sabe se é um derrame?") is None


# --- emergencies behind a hedge ("probably nothing but", "just in case", "is it normal") ------------------

HEDGED = [
    "messaging just in case, my husband has crushing chest pain and is sweating",
    "probably nothing but my chest feels crushed and my left arm is numb",
    "sorry to bother you, my son has had a fit for 7 minutes and isn't stopping",
    "I might be overreacting but my wife's face has dropped on one side and she can't lift her arm",
    "quick question, is it normal for a 3 week old to have a temperature of 38.4?",
    "is it normal that my baby stops breathing for 20 seconds when asleep?",
    "should I worry? my dad's lips are blue and he's struggling to breathe",
    "I don't know if this is an emergency but I took 40 paracetamol an hour ago",
    "could it be serious? my daughter has a rash that doesn't fade under a glass and a fever",
    "my friend thinks I'm fine but I can't feel my legs since the crash",
    "I think it's just anxiety but I have crushing chest pain going to my jaw and I'm sweating",
    "maybe it's nothing, my husband suddenly can't speak properly and his arm is weak",
    "is it ok to wait until tomorrow? my throat is swelling after I ate prawns and I'm wheezy",
    "no sé si es grave pero mi papá tiene la cara torcida y no puede hablar",
    "no sé si es urgente, mi bebé de 1 mes tiene fiebre de 38,5",
    "não sei se é grave mas meu pai está com a boca torta e não consegue falar",
    "será que é grave? meu bebê de 1 mês está com febre de 38,5",
]


@pytest.mark.parametrize("text", HEDGED)
def test_emergencies_behind_a_hedge(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


def test_in_case_of_is_still_a_hypothetical() -> None:
    assert floor("what should we keep at home in case of an allergic reaction like throat swelling?") is None


# --- a relative's event now is not a relative's history ----------------------------------------------------

RELATIVES_NOW = [
    "my mum has had crushing chest pain for an hour",
    "my dad has had a seizure for 6 minutes",
    "my wife had a fit 10 minutes ago and hasnt woken up",
    "my husband had sudden slurred speech this morning",
    "my son had a fall from the top bunk onto his head and vomited twice",
    "my grandad had a funny turn, his face dropped and his arm went weak",
    "my daughter had a bee sting and her throat swelled up",
    "mi padre tuvo un desmayo hace 10 minutos y no despierta",
    "mi madre ha tenido dolor de pecho opresivo desde hace una hora",
    "meu pai teve um desmaio há 10 minutos e não acorda",
    "minha mãe teve uma dor no peito forte há uma hora que não passa",
    "my brother suffered a head injury in a fight and is now confused",
]


RELATIVES_HISTORY = [
    "my father had a heart attack at 60, should I get checked?",
    "my mum had a stroke in 2019, she needs her repeat prescription",
    "my grandmother died of a stroke",
    "mi padre tuvo un infarto hace años",
    "meu pai teve um AVC há 5 anos",
]


@pytest.mark.parametrize("text", RELATIVES_NOW)
def test_a_relatives_event_happening_now_is_an_emergency(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


@pytest.mark.parametrize("text", RELATIVES_HISTORY)
def test_a_relatives_history_is_not(text: str) -> None:
    assert assess(text).urgency_floor is not E


# --- emergencies phrased as an absence ("no pulse", "no movement from the baby") ----------------------------

ABSENCES = [
    "he has no pulse",
    "I can't find a pulse",
    "no response when I shout at him",
    "she hasn't moved or responded since we found her",
    "mi abuelo no tiene pulso",
    "meu avô está sem pulso",
    "no movement from the baby since yesterday, I'm 36 weeks",
    "the bleeding won't stop no matter how hard I press",
    "can't stop shaking and I'm burning up after chemo",
    "I don't have a fever but I can't breathe and my lips are blue",
    "no chest pain but I suddenly can't move my right arm or speak",
    "sin fiebre pero no puede respirar y está morado",
    "sem febre mas não consegue respirar e está roxo",
]


@pytest.mark.parametrize("text", ABSENCES)
def test_emergencies_phrased_as_an_absence(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


# --- texting shorthand in the three languages ---------------------------------------------------------------

SHORTHAND = [
    "n consigo respirar",
    "meu filho naum ta respirando direito e ta roxo",
    "vc pode ajudar? minha mae desmaiou e n acorda",
    "dor no peito mt forte e suando frio",
    "q hago? mi hijo no respira bien y esta morado",
    "mi mama se desmayo y no despierta xfa ayuda",
    "dolor d pecho muy fuerte y sudo frio",
    "ma chest hurts rly bad n my arm is numb",
    "cnt breathe",
    "hes nt breathing",
    "my babys not breathin properly",
    "sum1 call an ambulance he collapsed",
    "bf took a bunch of pills and wont wake up",
    "i think im havin a heart attack",
]


@pytest.mark.parametrize("text", SHORTHAND)
def test_texting_shorthand(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


def test_shorthand_is_spelled_out_only_where_it_is_unambiguous() -> None:
    from fasttriage.domain.redflags import normalize

    assert normalize("cnt breathe n my chest hurts") == "cant breathe n my chest hurts"
    assert normalize("n consigo respirar") == "nao consigo respirar"
    assert normalize("dolor d pecho") == "dolor de pecho"


OTHER_LANGUAGES = [
    "mon mari a une douleur dans la poitrine qui va dans le bras et il transpire",
    "ma fille n'arrive plus à respirer",
    "mon père ne répond plus",
    "ma mère a la bouche de travers et ne peut plus parler",
    "mon bébé de 3 semaines a de la fièvre",
    "je vais me suicider ce soir",
    "mein Vater bekommt keine Luft",
    "meine Mutter reagiert nicht",
    "mio figlio non respira",
    "mia madre ha un dolore al petto che va al braccio e suda",
]


@pytest.mark.parametrize("text", OTHER_LANGUAGES)
def test_the_main_emergencies_in_french_german_and_italian_are_answered_in_english(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E
    assert assessment.language is Language.EN


def test_a_question_about_how_to_know_is_not_an_emergency() -> None:
    assert floor("como saber se é infarto?") is None
