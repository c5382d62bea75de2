"""Issue 11, second round: sentences written for it from the guidelines in the voices the blind set is said to
use (clinician case descriptions with the decisive sign late, forum questions, carers, voice-to-text errors,
Spanglish, Spanish/Portuguese case notes), and the numbers read together (NEWS2 aggregate, qSOFA, GCS). Each round was first measured on the
engine as it was (35/40, 36/40, 36/40, 35/40, 35/40 and 25/30 on the first try; a round of 40 look-alikes
only: 4 called emergencies on the first try), then the catalogue was widened by concept."""

from __future__ import annotations

import pytest

from fasttriage.domain import vitals
from fasttriage.domain.redflags import assess, normalize
from fasttriage.domain.urgency import Urgency

E = Urgency.EMERGENCY

EMERGENCIES = [
    "hola doctor, perdón la molestia, mi mamá tiene 70 años y desde hace rato dice que le duele la boca del estómago, está pálida y sudando frío, ella dice que es gastritis pero nunca la había visto así",
    "buenas, mi hijo de 10 meses tiene fiebre desde ayer y hoy está muy decaído, casi no llora y tiene la mollera hundida",
    "mi esposo es diabético y está todo sudado, temblando y no me contesta bien, el aparato marca 38",
    "doctora mi papá se cayó de la escalera, como 3 metros, y se pegó en la cabeza, está vomitando",
    "hola, a mi hermana le dio una convulsión y no despierta desde hace 10 minutos",
    "tengo 8 meses de embarazo y se me hinchó mucho la cara y las manos de repente, me duele la cabeza y veo lucecitas",
    "olá, minha mãe de 80 anos está muito sonolenta hoje, não come, está com febre e falando coisas sem sentido",
    "meu bebê de 1 mês está com a respiração muito rápida e fazendo barulho pra respirar, as costelas afundam",
    "doutor, meu irmão levou uma facada na barriga e está sangrando muito",
    "meu pai está com uma dor muito forte nas costas que começou de repente e desmaiou, ele tem aneurisma",
    "mi hijo comio mani y ahora tiene la boca hinchada y le cuesta respirar",
    "mi abuela esta con la boca chueca y no puede mover el brazo desde hace media hora",
    "ma fille de 2 ans a avalé une pile bouton",
    "mon mari a une douleur dans la poitrine qui va dans le bras gauche, il transpire beaucoup",
    "mein Vater ist bewusstlos und atmet kaum",
    "mio figlio ha la febbre alta e delle macchie viola che non scompaiono",
    "mi suegro se desmayó en el baño, está pálido y frío y respira raro",
    "minha filha tomou uma cartela inteira de remédio de pressão da avó",
    "tengo diabetes tipo 1, llevo vomitando toda la noche, me falta el aire y la glucosa marca HI",
    "minha esposa teve bebê há 10 dias e está com falta de ar e dor no peito do nada",
    "History: 74-year-old retired teacher, lives alone, independent. PMH hypertension, osteoarthritis, hypothyroidism. Medications amlodipine, levothyroxine. Her neighbour found her this morning; she had been unable to get up from the floor overnight. She is now confused and her urine is dark brown. Obs: HR 118, BP 96/58, T 35.6.",
    "A 38-year-old woman, G2P1, 39 weeks, in labour at home with the midwife. Following delivery of the baby she has continued to bleed heavily, estimated blood loss 1200 ml, and is becoming pale and drowsy.",
    "A 52-year-old man is seen in clinic for review of his diabetes. While waiting he complains of a crushing central chest pain and becomes grey and sweaty.",
    "An 8-year-old girl with a known nut allergy is at a birthday party. After eating cake she develops an itchy throat, then a barking cough and hoarse voice. She used her EpiPen 5 minutes ago.",
    "A 63-year-old man with a background of prostate cancer presents with 3 days of progressive leg weakness and new urinary retention. He has thoracic back pain.",
    "A 26-year-old man is brought in by friends after taking an unknown quantity of ecstasy at a club. He is agitated, sweating profusely, T 40.3, HR 150.",
    "A 45-year-old woman presents with 2 days of headache. This morning she developed sudden severe worsening of the headache with neck stiffness and vomiting.",
    "A 5-year-old is brought in with 2 days of fever. Mum reports he has become increasingly sleepy and has a rash on his trunk which does not fade with pressure.",
    "A 71-year-old man presents with a painful, pale and cold right leg which began suddenly 2 hours ago. He has atrial fibrillation.",
    "A 30-year-old woman, 5 days after a laparoscopic appendicectomy, presents with increasing abdominal pain, fever 38.9, HR 125 and BP 95/60.",
    "An 80-year-old with dementia is brought from a care home with reduced oral intake, lethargy and a sodium result of 118 from yesterday's bloods; today she had a seizure.",
    "19-year-old student, 36 hours of feeling unwell, vomiting, headache and muscle aches. Now has cold hands and feet, leg pain and a few purple spots on her arms.",
    "Man in his 50s, construction worker, caught between a reversing truck and a wall. Complaining of pelvic pain, unable to stand.",
    "A 34-year-old woman at 28 weeks gestation reports a sudden gush of fluid from the vagina an hour ago.",
    "The patient is a 58-year-old woman with breast cancer and known bone metastases who presents with new weakness in both legs and a band-like pain around the chest.",
    "A 41-year-old man with a history of depression is brought in by police after being found on a bridge saying he wanted to jump.",
    "An 85-year-old man on warfarin for AF presents with a nosebleed that has not stopped for 2 hours despite pressure.",
    "A 67-year-old woman with known COPD presents with increased breathlessness, RR 34, SpO2 82% on air, and she is unable to complete sentences.",
    "A 16-year-old girl presents to her GP with 3 weeks of weight loss, thirst and polyuria. Today she is vomiting and breathing deeply. Capillary glucose 32.",
    "A 60-year-old man presents with melaena for 2 days and a syncopal episode at home this morning.",
    "me desperté con un dolor muy fuerte en el pecho que se va a la mandíbula, sudando y con náuseas, tengo 62 años",
    "meu marido tomou veneno de rato, está vomitando",
    "mi niña de 2 años se tragó un imán pequeño y una pila de botón",
    "a mi abuelo se le durmió la mitad del cuerpo de repente y no puede hablar bien",
    "estou com 34 semanas e o bebê parou de mexer desde ontem",
    "mi hermano se cortó con una sierra y le sale mucha sangre a chorros",
    "I look after my husband who has Parkinson's. Tonight he choked on his dinner, coughed a lot, and now he's breathing fast with a temperature and he seems very drowsy.",
    "A 67-year-old man with known ischaemic heart disease presents with 30 minutes of central chest heaviness at rest, not relieved by two sprays of GTN.",
    "Obs on arrival: RR 32, SpO2 85% on 15L, HR 140, BP 78/40, T 39.6, responds to pain only.",
    "A 70-year-old woman on apixaban presents after a fall with a large, expanding swelling of the thigh and BP 88/50.",
    "new mum here, baby is 2 weeks old and I noticed her lips went dusky blue while feeding and she went limp for a few seconds",
    "my brother is epileptic and has been fitting on and off for 20 minutes and isn't coming round in between",
    "Voice message transcription: my dad collapse in the kitchen he is breathing but not answering me at all",
    "Hello doctor sorry to trouble you, my mother in law (72) has had a terrible headache since this morning that came on like a thunderclap and she keeps being sick",
    "my son (6) has been vomiting all day and now he's got a bad tummy pain on the right and won't let me touch it, he's burning up and really pale",
    "I'm 6 weeks pregnant, really bad pain on my left side, and I feel like I'm going to pass out",
    "Diabetic patient, on insulin, BM 'LO' on the meter, sweaty and confused.",
    "A 19-year-old man presents with severe left testicular pain of 3 hours duration with nausea.",
    "42M, RTC pedestrian vs car at 40 mph, GCS 12, obvious deformity of the left femur.",
    "Patient is a 56-year-old woman who c/o sudden onset breathlessness 2 weeks after a hip replacement. HR 122, SpO2 90%.",
    "my nephew got his hand crushed in a press at work and it's bleeding loads and his fingers are white",
    "Should I be worried? my 15 year old has been really low and today she sent me a goodbye message and now she won't answer her phone",
    "la señora que cuido tiene 90 años y hoy está muy adormilada, casi no responde y tiene fiebre",
    "mi bebé de 3 semanas tiene 38.2 de temperatura",
    "minha esposa está grávida de 36 semanas, está com muita dor de cabeça e a visão embaçada, a pressão deu 16 por 11",
    "meu pai é diabético e está confuso, suando muito e tremendo, a glicose deu 40",
    "my son got into the cupboard and drank some dishwasher liquid, he's coughing and drooling",
    "found my flatmate on the floor with an empty bottle of vodka and pills everywhere, he's breathing really slowly",
    "A 60-year-old man with a history of alcohol excess presents with vomiting large amounts of bright red blood.",
    "My dad is 68, he had a mini stroke last month, and this evening his left arm went weak again for 10 minutes",
    "Elderly patient presents with new atrial fibrillation, rate 150, BP 85/55, feeling faint.",
    "A 30-year-old woman with asthma presents with a silent chest, cyanosis and exhaustion.",
    "Child of 18 months, had a fever fit lasting 15 minutes, still drowsy an hour later.",
    "Hi, my wife is 38 weeks pregnant and bleeding bright red blood quite heavily, no pain",
    "bit of a silly question maybe but my husband has been breathless for a few days and tonight he can't lie flat and he's coughing pink frothy stuff",
    "7 year old type 1 diabetic, ketones 3.8, vomiting, tummy ache",
    "Mujer de 45 años que acude por cefalea súbita e intensa durante el esfuerzo, con rigidez de nuca.",
    "Varón de 70 años, hipertenso, que presenta pérdida de fuerza en hemicuerpo izquierdo de 1 hora de evolución.",
    "Paciente de 30 años con disnea, sibilancias y edema de labios tras tomar amoxicilina.",
    "Niño de 4 años que ingirió una pila de botón hace una hora.",
    "Gestante de 34 semanas con TA 170/110 y cefalea.",
    "Paciente de 80 años con fiebre de 38.9, FR 28, TA 85/50 y confusión.",
    "Varón de 25 años, accidente de tráfico a alta velocidad, atrapado en el vehículo.",
    "Mujer de 65 años diabética con dolor epigástrico, náuseas y sudoración, sin dolor torácico.",
    "Paciente de 55 años con dolor lumbar, anestesia en silla de montar y retención urinaria.",
    "Lactante de 2 meses con pausas de apnea y cianosis.",
    "Paciente de 72 anos com dispneia súbita, SatO2 86%, FC 130 e dor torácica pleurítica.",
    "Criança de 5 anos com febre, rigidez de nuca e petéquias.",
    "Homem de 40 anos, queda de 6 metros de altura, consciente, com dor abdominal.",
    "Mulher de 28 anos, 10 dias pós-parto, com febre 39 e taquicardia 125.",
    "Idoso de 85 anos com rebaixamento do nível de consciência, Glasgow 10.",
    "Paciente diabético tipo 1 com glicemia de 450, vômitos e respiração de Kussmaul.",
    "Paciente com hemorragia digestiva alta, melena e PA 80x50.",
    "Paciente de 60 anos com retenção urinária há 12 horas e dor suprapúbica intensa.",
    "A 40-year-old man with a known tumour of the tongue is bleeding heavily from the mouth and cannot stop it.",
    "A 35-year-old man presents after a head injury with clear fluid dripping from his nose.",
    "Insulin-dependent 70F gave herself her rapid-acting insulin twice by mistake before dinner.",
    "A 50-year-old woman had a 15-minute episode of loss of speech and right-hand weakness this morning, now resolved.",
    "A 2-year-old boy who was well yesterday now refuses to walk or stand and cries when his hip is moved, T 38.9.",
    "A 4-year-old swallowed a coin and is now drooling and unable to swallow his saliva.",
    "A 45-year-old alcohol-dependent man stopped drinking 36 hours ago and has had a generalised seizure.",
    "Asthma attack, used reliever inhaler 12 times in 2 hours with no relief, can only speak in single words.",
    "A 30-year-old woman on the combined pill presents with a swollen painful left leg and sudden breathlessness.",
    "A 14-month-old has had a choking episode on a peanut, now coughing continuously with noisy breathing.",
    "Patient with rapidly fluctuating level of consciousness, at times unresponsive to voice.",
    "23-year-old with bloody diarrhoea 10 times a day, fever 38.5 and HR 115.",
    "A 66-year-old man presents to the emergency department with a 2-hour history of pressure-like discomfort in the upper abdomen. He has a history of hypertension and hyperlipidaemia. He is diaphoretic. BP 100/60, HR 110.",
    "An 82-year-old woman is brought in by her son because she has become increasingly confused over the last 24 hours. She has had dysuria for 3 days. Temperature 38.6, pulse 124, respiratory rate 26, BP 92/58.",
    "A 25-year-old woman presents with a 1-day history of fever, headache and a purpuric rash on her legs. She appears unwell.",
    "A 4-week-old infant presents with a temperature of 38.4 and irritability.",
    "A 30-year-old man presents with sudden onset of the worst headache of his life while lifting weights.",
    "A 55-year-old woman with a history of atrial fibrillation presents with sudden onset of right-sided weakness and aphasia which began 45 minutes ago.",
    "A 19-year-old man with type 1 diabetes presents with abdominal pain, vomiting and rapid deep breathing. Blood glucose 28 mmol/L.",
    "A 45-year-old man presents with severe chest pain radiating to the back, described as tearing. Blood pressure differs between arms.",
    "A 28-year-old woman presents with a 6-week history of amenorrhoea and sudden left iliac fossa pain. She is pale and her pulse is 120.",
    "A 70-year-old smoker presents with haemoptysis and breathlessness. SpO2 88% on room air, RR 30.",
    "A 35-year-old woman develops facial swelling, wheeze and hypotension within minutes of eating shellfish.",
    "A 60-year-old man presents with acute urinary retention and severe suprapubic pain; he has not passed urine for 12 hours.",
    "A 3-year-old child swallowed an unknown number of his grandmother's tablets.",
    "A 17-year-old presents after taking 32 paracetamol tablets 6 hours ago.",
    "A 40-year-old man was the unrestrained driver in a head-on collision at 50 mph. He has chest pain and is short of breath.",
    "A 75-year-old woman on warfarin fell and hit her head; she now has a headache and has vomited.",
    "A 50-year-old man presents with back pain, bilateral leg weakness and urinary incontinence.",
    "A 65-year-old man with COPD presents with increasing breathlessness, drowsiness and confusion. SpO2 84%.",
    "A 12-year-old boy presents with sudden severe scrotal pain that woke him from sleep.",
    "A 29-year-old woman at 35 weeks gestation presents with headache, epigastric pain and blood pressure of 165/112.",
    "A 22-year-old woman, 2 weeks postpartum, presents with fever 39.0, tachycardia 130 and offensive vaginal discharge.",
    "A 58-year-old man with diabetes presents with fatigue and shortness of breath for 3 hours. No chest pain. He is sweaty.",
    "A 45-year-old woman presents with sudden loss of vision in her right eye.",
    "A 9-month-old presents with a barking cough, stridor at rest and intercostal recession.",
    "A 34-year-old man is found unconscious at home by his partner; there is an empty bottle of methadone beside him.",
    "A 72-year-old man presents with black tarry stools and dizziness on standing. Pulse 118, BP 94/60.",
    "A 6-year-old with known asthma presents with severe breathlessness, unable to talk, and SpO2 90% despite salbutamol.",
    "A 48-year-old woman presents with a sudden onset of double vision and drooping eyelid with a severe headache.",
    "patient c/o palpitations and feeling faint, HR 180 regular, BP 85/50",
    "elderly pt with fall, lying on floor for 12 hours, confused, T 34.8",
    "Hi everyone, long time lurker. My mum is 78 and diabetic. Since lunch she's been saying she feels 'off', really tired, a bit sick and sweaty, and just now she said her jaw aches. No chest pain at all. Is this worth a trip to A&E or am I overreacting?",
    "posting for my friend who doesnt speak english. her husband fell down at work from a roof maybe 5 meters and now he cant move his legs",
    "my grandma keeps drifting in and out, she wont answer me properly and her breathing is weird and noisy",
    "my sun swallowed a batterie from the tv remote like 10 min ago he seems ok",
    "im a support worker, the gentleman i look after has gone very pale and clammy and is complaining of indigestion that wont shift",
    "my wife just had a fit for the first time ever, it lasted a few minutes and now shes very confused and sleepy",
    "help my baby is 5 weeks and has a temp of 38 and is not feeding",
    "so my dad has been coughing for a week and now he's really breathless, confused and his lips look a bit blue, he's 81",
    "my boyfriend is diabetic and he's acting drunk but he hasn't had anything to drink, he's sweating and shaky",
    "my daughter is 16 and she just told me she took a whole pack of paracetamol this morning",
    "mi esposo se cayó y se golpeó la cabeza, está tomando anticoagulantes y ahora vomita",
    "minha mãe está com o lado do rosto caído e a fala enrolada desde agora pouco",
    "mi papá tiene un dolor en el pecho que le llega a la espalda y al brazo, y está sudando frío",
    "meu filho de 8 meses está com febre e muito mole, não quer mamar e está gemendo",
    "my son was stung by a bee and his face is swelling up fast and he's wheezing",
    "I'm 33 weeks pregnant with a bad headache that paracetamol won't touch and I'm seeing flashing lights",
    "my husband is 55 and has had heartburn for two hours, tablets not helping, now he's breathless and sweaty",
    "my toddler fell out of the window from upstairs",
    "my dad suddenly cant see properly and the room is spinning and he cant walk straight",
    "i think my friend is having an allergic reaction, her throat is closing up",
    "she collapsed at the bus stop and isnt breathing properly",
    "my husband's been vomiting for 2 days and now there's blood in it, loads of it",
    "i took 40 of my antidepressants an hour ago i dont want to die anymore",
    "my son has a really bad headache and a stiff neck and he's got a high temperature, he's 19 and at uni",
    "my wife's waters broke at 30 weeks",
    "ive got crushing chest pain since 20 minutes",
    "my mom's sugar is 45 and she's not making sense",
    "my 3 year old has had diarrhea for days and now he is really sleepy and his eyes look sunken",
    "dad has been short of breath for a few days and now one leg is swollen and he coughed up blood",
    "i was raped last night and im bleeding a lot",
]


NOT_EMERGENCIES = [
    "hola, mi hijo de 3 años tiene mocos y tos pero juega normal y come bien, sin fiebre",
    "buenas, me duele la cabeza como siempre cuando no duermo bien, tomé paracetamol y se me pasó",
    "olá, tenho 40 anos e sinto uma queimação no estômago depois de comer feijoada, passa com antiácido",
    "meu filho caiu de bicicleta e ralou o joelho, já limpei e está tudo bem",
    "mi papá tiene el azúcar en 150 después de comer, se siente bien",
    "ma fille a un petit rhume, pas de fièvre, elle mange bien",
    "mi bebé de 6 meses tiene 37.9 después de la vacuna, está contento y toma pecho",
    "tive uma crise de ansiedade com falta de ar que passou em 10 minutos, já tive outras vezes",
    "mi mamá se pegó en el dedo del pie con la mesa y se le puso morado, camina bien",
    "minha avó tem pressão alta controlada e quer saber se pode tomar café",
    "A 35-year-old woman presents with a 3-day history of a red, hot, swollen area on her forearm after a cat scratch. Temperature 37.9, obs otherwise normal.",
    "A 27-year-old man presents with right-sided loin pain radiating to the groin, haematuria, and no fever.",
    "A 55-year-old man presents with a 3-month history of intermittent heartburn. No dysphagia, weight loss or vomiting. Observations normal.",
    "A 42-year-old woman presents with a 2-day history of a frontal headache with blocked nose and facial pain on bending forward. Temperature 37.5.",
    "A 30-year-old man presents after a low-speed cycling fall onto grass, grazes to both hands, no head injury, walking normally.",
    "A 67-year-old woman with stable atrial fibrillation on apixaban attends for her annual review. HR 76 irregular, BP 128/76.",
    "A 24-year-old woman presents with 2 days of vaginal discharge and itch, not pregnant, no abdominal pain.",
    "A 4-year-old presents with a 1-day history of a barking cough, no stridor at rest, playing and drinking.",
    "A 70-year-old man with Parkinson's disease attends for medication review; chronic mild tremor and constipation, no new symptoms.",
    "A 50-year-old woman with known hypothyroidism asks for her thyroid blood test results, she feels well.",
    "tengo 25 años y me duele el pecho cuando aprieto el esternón después del gimnasio",
    "meu filho bateu a cabeça de leve no armário, não desmaiou, não vomitou e está brincando",
    "mi mamá tiene la presión en 140/90, se siente bien, ¿le cambio la pastilla?",
    "estou grávida de 10 semanas e com um pouco de enjoo de manhã",
    "my chest feels a bit tight when i've got a cold and cough, no other symptoms, im 35",
    "had a minor bump in traffic, someone tapped my bumper at a red light, neck slightly stiff next day",
    "is it a seizure if my toddler's arms jerk when he's falling asleep? he's fine otherwise",
    "my mum (70) gets a bit breathless climbing two flights of stairs, has done for years",
    "I feel sweaty and a bit sick after my run today, fine after a drink of water",
    "my dad's diabetic and felt shaky before lunch, had a biscuit and was fine in 5 minutes, sugar 5.5 after",
    "sore throat and a temperature of 38.5 for 2 days, swallowing ok, 25 years old",
    "my 3 year old had a temperature of 38.7 last night, calpol brought it down, she's playing now",
    "I've got indigestion after a big curry, had a gaviscon and it's easing, I'm 28",
    "my wife fainted in a hot church, came round straight away and is fine now",
    "Does a headache with a cold mean meningitis? I have a blocked nose and mild headache, no rash or stiff neck",
    "A 45-year-old man presents with a 2-week history of intermittent heartburn, worse lying down, no weight loss, obs normal.",
    "A 33-year-old woman presents with palpitations lasting seconds when she drinks coffee. ECG normal, HR 78.",
    "A 68-year-old man with COPD, at his baseline, SpO2 90% on air, attends to discuss inhaler technique.",
    "My grandad has dementia and gets confused in the evenings, same as always, no change",
    "my son swallowed a small piece of chewing gum, is that ok?",
    "my period is 5 days late and I have mild cramps like period pain, negative test",
    "my husband had a TIA 3 years ago and takes clopidogrel, can he have ibuprofen?",
    "I cut my finger chopping onions, stopped bleeding with a plaster",
    "baby is 8 months and has a temp of 37.8 after teething, feeding and smiling",
    "I banged my knee on the table, it's bruised and purple but I can walk fine",
    "A 50-year-old man with a history of heart attack 10 years ago presents for his annual review, no chest pain or breathlessness.",
    "my husband is diabetic and his feet tingle sometimes, been like that for months",
    "Obs: HR 88, RR 18, SpO2 97%, T 37.4, BP 132/84. Patient presents with mild lower back pain after lifting.",
    "hi doc, my 2 year old fell off the sofa onto the rug, cried immediately, no vomiting, playing normally",
    "mi hijo tiene tos y mocos desde hace 3 días, sin fiebre, come bien",
    "tengo un poco de dolor en el pecho cuando respiro hondo desde que me dio gripe, tengo 30 años",
    "minha filha de 4 anos teve febre de 38 ontem, hoje está brincando e comendo bem",
    "tive uma dor no peito rápida ontem depois de levantar peso, hoje estou bem",
    "should i worry about a mole that's got a bit darker?",
    "my partner has been stressed and not sleeping, no thoughts of self harm, just wants to talk to someone",
    "I took two ibuprofen and two paracetamol together, is that safe?",
    "my dad is 75 and bruises easily on his warfarin, a small bruise on his arm, no bleeding",
    "what does it mean if a baby's soft spot is a bit sunken? mine looks normal, just asking",
    "I've had a cough for 3 weeks, bit of clear phlegm, no blood, no fever, otherwise well",
    "my son has a nosebleed that stopped after 10 minutes pinching",
    "my grandma has been a bit more tired than usual this week, eating and drinking ok, no other symptoms",
    "i think i pulled a muscle in my back at the gym, can move fine",
    "my wife is 20 weeks pregnant and had a small amount of spotting after sex, no pain, feels fine",
    "I'm 30 and had some chest tightness after a heavy gym session yesterday, fine when resting, hurts when I stretch",
    "my baby (4 months) has had a cough and snotty nose for 2 days, feeding well, no temperature",
    "A 70-year-old man attends for review of his stable COPD. SpO2 93% on air, RR 18, HR 80, at his baseline.",
    "my mum fell on her bum at the shops, no head injury, she's a bit sore but walking fine",
    "ive had loose stools for a day after a curry, no blood, drinking fine",
    "Can a panic attack make your hands tingle? Happened to me earlier, fine now",
    "my blood pressure was 150/95 at the pharmacy today, I feel fine",
    "A 28-year-old woman at 12 weeks pregnant attends for booking, no bleeding or pain.",
    "my son (10) bumped his head at school, no knock out, no vomiting, he's fine, should I worry?",
    "my husband has type 2 diabetes and his sugar was 11 after a big meal, he feels fine",
    "Paciente de 30 años con odinofagia y fiebre de 37.8, tolera líquidos.",
    "Mujer de 50 años con dolor lumbar mecánico sin alteraciones esfinterianas.",
    "Paciente de 40 anos com dor torácica que piora à palpação, sinais vitais normais.",
    "Criança de 6 anos com febre de 38 e coriza, ativa e brincando.",
    "A 35-year-old man with a 2-day history of loose stools, no blood, drinking well.",
    "A 28-year-old woman asks what to do if her child ever has a febrile convulsion.",
    "A 60-year-old with a history of TIA two years ago attends for a blood pressure check.",
    "A 45-year-old with intermittent colicky right upper quadrant pain after fatty meals, currently pain-free.",
    "A 33-year-old with left loin to groin colicky pain, no fever, obs normal.",
    "A 70-year-old woman with a painful swollen right calf for 3 days, no breathlessness.",
    "A 35-year-old woman presents with a 3-day history of nasal congestion, sore throat and mild cough. Temperature 37.6. Otherwise well.",
    "A 40-year-old man presents with chest pain that is sharp, localised and reproduced on palpation after a fall onto his side. Observations are normal.",
    "A 25-year-old woman presents with a headache similar to her usual migraines, with nausea but no neurological symptoms.",
    "A 6-year-old child presents with a 2-day history of ear pain and a temperature of 38.2, eating and drinking normally.",
    "A 50-year-old man with well controlled type 2 diabetes asks about foot care.",
    "A 30-year-old woman presents with a 2-day history of fever, dysuria and right loin pain. Obs: HR 100, BP 120/80, RR 18.",
    "A 62-year-old man attends with a 6-month history of gradually worsening exertional breathlessness, no chest pain.",
    "A 33-year-old woman with mild lower back pain after lifting, no neurological symptoms.",
    "A 20-year-old man sprained his wrist playing basketball, minimal swelling, full range of movement.",
    "should i be worried that my 4 year old sometimes stares into space for a second? she answers straight away",
    "my husband had a heart attack 5 years ago, he is fine now, just wanted to ask about his cholesterol tablets",
    "got hit by a car door in the car park, small bruise on my arm",
    "is it normal to feel a bit breathless when I'm anxious? it passes in a few minutes",
    "my mum is 70 and has a cold, runny nose and sneezing, otherwise ok",
    "my baby had a small bump on the head from rolling off the sofa onto carpet, cried straight away and is feeding normally, 9 months old",
    "my dad's blood sugar was 7.2 this morning, is that good?",
    "what are the signs of a stroke? i want to know for my parents",
    "my son coughed up a little phlegm with a streak of blood after a bad cough, he feels fine",
    "mi hija se cayó en el parque y se raspó la rodilla, ya está jugando",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_case_descriptions_and_unfamiliar_voices_are_emergencies(text: str) -> None:
    assessment = assess(text)
    assert assessment.urgency_floor is E, [(f.code, f.evidence) for f in assessment.red_flags]


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_their_look_alikes_are_not_emergencies(text: str) -> None:
    # the rules alone; the model's share of look-alikes: tests/unit/test_redflag_model.py
    assessment = assess(text, model=False)
    assert assessment.urgency_floor is not E, [(f.code, f.evidence) for f in assessment.red_flags]


def _terms(text: str) -> dict[str, str]:
    return vitals.findings(normalize(text))


def test_news2_aggregate_of_seven_is_an_emergency_without_a_single_red_value() -> None:
    # HR 112 (2) + RR 22 (2) + SpO2 94 (1) + T 38.4 (1) + SBP 104 (1) = 7: RCP NEWS2 emergency response
    found = _terms("Obs: HR 112, RR 22, SpO2 94%, T 38.4, BP 104/68, alert.")
    assert found["vital_emergency"] == "NEWS2 7"
    assert assess("35F, 3 days cough. Obs: HR 112, RR 22, SpO2 94%, T 38.4, BP 104/68, alert.").is_emergency


def test_news2_of_five_is_urgent_and_needs_three_written_observations() -> None:
    found = _terms("Obs: HR 95, RR 21, SpO2 95%, T 38.2, BP 118/76, alert.")
    assert found["news2_urgent"] == "NEWS2 5" and "vital_emergency" not in found
    assert "news2_urgent" not in _terms("RR 21, HR 95")  # two observations: no aggregate


def test_supplemental_oxygen_adds_two_news2_points() -> None:
    assert _terms("RR 22, SpO2 94% on 2L, HR 95, T 38.2")["vital_emergency"] == "NEWS2 7"
    assert "vital_emergency" not in _terms("RR 22, SpO2 94% on air, HR 95, T 38.2")


def test_a_gcs_below_15_is_a_red_value_and_15_is_not() -> None:
    assert _terms("gcs 13, on apixaban")["vital_emergency"] == "gcs 13"
    assert "vital_emergency" not in _terms("GCS 15/15, obs stable")


def test_qsofa_two_with_an_infection_is_sepsis() -> None:
    flags = {f.code for f in assess("Cellulitis of the leg, RR 23, BP 98/60, HR 100").red_flags}
    assert "sepsis_signs" in flags
    assert "qsofa_2" not in _terms("RR 23, BP 120/80")


def test_a_known_baseline_saturation_is_not_todays_value() -> None:
    assert "vital_emergency" not in _terms("known COPD, baseline SpO2 89% on air, feels at his usual")
    assert "vital_emergency" in _terms("SpO2 86% on air (baseline 92%)")


def test_a_low_temperature_with_new_confusion_is_sepsis_in_the_old() -> None:
    flags = {f.code for f in assess("88F off her legs today, T 35.8, HR 112, new confusion").red_flags}
    assert "sepsis_signs" in flags


def test_age_said_as_only_n_weeks_is_read() -> None:
    assert _terms("la baby tiene fever de 38.5 y solo tiene 6 semanas")["infant"]


def test_a_history_of_a_condition_is_context_but_a_presenting_complaint_is_not() -> None:
    assert not assess(
        "29F with a history of anaphylaxis to penicillin asks for another antibiotic"
    ).is_emergency
    assert assess(
        "55F with a history of AF presents with sudden right-sided weakness and aphasia"
    ).is_emergency
    assert assess(
        "48F presents with a 2-day history of left calf swelling and now pleuritic chest pain"
    ).is_emergency


def test_seizure_free_and_greetings_are_not_findings() -> None:
    assert (
        assess("Had a seizure 3 years ago, seizure-free since, requests repeat prescription").urgency_floor
        is None
    )
    assert not assess("Hi everyone, I vomited once after dinner, feel fine").is_emergency
