"""What the red-flag engine tells a patient and a clinician, in the three languages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fasttriage.domain import patient_messages
from fasttriage.domain.models import Language
from fasttriage.domain.redflags import FLAGS, RULES_VERSION, assess, normalize
from fasttriage.domain.urgency import Urgency


def codes(text: str) -> set[str]:
    return {flag.code for flag in assess(text).red_flags}


def floor(text: str) -> Urgency | None:
    return assess(text).urgency_floor


# --- the shape of an assessment -----------------------------------------------------------------


def test_emergency_assessment_carries_flag_label_evidence_and_instruction_in_the_patients_language() -> None:
    assessment = assess("tengo un dolor opresivo en el pecho que se me va al brazo izquierdo")

    assert assessment.language is Language.ES
    assert assessment.urgency_floor is Urgency.EMERGENCY
    assert assessment.is_emergency
    flag = next(flag for flag in assessment.red_flags if flag.code == "cardiac_chest_pain")
    assert flag.label == FLAGS["cardiac_chest_pain"][0]
    assert flag.floor is Urgency.EMERGENCY
    assert "pecho" in flag.evidence
    assert assessment.patient_instruction == patient_messages.text_for(
        patient_messages.EMERGENCY, Language.ES
    )
    assert assessment.rules_version == RULES_VERSION


def test_urgent_flag_gives_the_urgent_instruction() -> None:
    assessment = assess("31 weeks pregnant and the baby hasnt been moving as much today")

    assert assessment.urgency_floor is Urgency.URGENT
    assert "reduced_fetal_movements" in {flag.code for flag in assessment.red_flags}
    assert assessment.patient_instruction == patient_messages.text_for(patient_messages.URGENT, Language.EN)


def test_benign_message_has_no_flag_no_floor_and_no_instruction() -> None:
    assessment = assess("mild cough for 3 days, can I get an appointment?")

    assert assessment.red_flags == []
    assert assessment.urgency_floor is None
    assert assessment.patient_instruction is None


def test_emergency_flags_are_listed_before_urgent_ones() -> None:
    assessment = assess("blood in my poo since monday. and now I'm vomiting blood")

    assert [flag.floor for flag in assessment.red_flags] == sorted(
        (flag.floor for flag in assessment.red_flags), key=lambda level: level.rank
    )
    assert assessment.red_flags[0].code == "vomiting_blood"


def test_every_flag_floor_is_emergency_or_urgent() -> None:
    assert {floor for _, floor in FLAGS.values()} == {Urgency.EMERGENCY, Urgency.URGENT}


# --- the clinical content of issue #3, one test per sign -----------------------------------------


def test_crushing_chest_pain_in_spanish_is_an_emergency() -> None:
    assert floor("DOLOR DE PECHO OPRESIVO y sudor frio") is Urgency.EMERGENCY


def test_chest_pain_spreading_to_the_arm_in_portuguese_is_an_emergency() -> None:
    assert "cardiac_chest_pain" in codes("dor forte no peito que vai pro braço esquerdo")


def test_plain_chest_pain_without_cardiac_features_is_urgent_not_emergency() -> None:
    assert floor("i've had some chest pain on and off since this morning") is Urgency.URGENT


def test_saying_you_are_having_a_heart_attack_is_an_emergency() -> None:
    assert floor("i think im having a heart attack") is Urgency.EMERGENCY


def test_blue_lips_and_unable_to_breathe_is_an_emergency() -> None:
    assert "severe_breathing_difficulty" in codes("my mum cant breathe and her lips are going blue")


def test_mild_breathlessness_on_stairs_is_urgent() -> None:
    assert codes("me falta el aire cuando subo escaleras") == {"breathlessness"}


def test_face_droop_and_slurred_speech_are_stroke_signs() -> None:
    assert "stroke_signs" in codes("his face is drooping on one side and his speech is slurred")


def test_crooked_mouth_in_portuguese_is_a_stroke_sign() -> None:
    assert "stroke_signs" in codes("vovó ficou com a boca torta e a fala enrolada")


def test_sudden_vision_loss_is_an_emergency() -> None:
    assert "sudden_vision_loss" in codes("perdí la visión de un ojo de golpe")


def test_worst_ever_sudden_headache_is_an_emergency() -> None:
    assert "thunderclap_headache" in codes("worst headache of my life, came on like a thunderclap")


def test_collapse_with_no_response_is_an_emergency() -> None:
    assert "collapse_unresponsive" in codes("mi papá se desmayó y no responde")


def test_fainting_then_feeling_fine_is_urgent_not_emergency() -> None:
    assert codes("fainted in the shower this morning but feel ok now") == {"syncope_recovered"}


def test_a_seizure_that_will_not_stop_is_an_emergency() -> None:
    assert "seizure" in codes("minha filha ta tendo uma convulsão que não para")


def test_a_fit_of_laughter_is_not_a_seizure() -> None:
    assert codes("had a fit of laughter in class lol") == set()


def test_bleeding_that_will_not_stop_is_an_emergency() -> None:
    assert "uncontrolled_bleeding" in codes("cut my hand and it wont stop bleeding, soaked 3 towels")


def test_vomiting_blood_in_spanish_is_an_emergency() -> None:
    assert "vomiting_blood" in codes("estoy vomitando sangre")


def test_tongue_swelling_after_peanuts_is_anaphylaxis() -> None:
    assert "anaphylaxis" in codes("ate something with peanuts and my tongue is swelling up")


def test_bee_sting_with_local_swelling_and_normal_breathing_raises_no_flag() -> None:
    assert codes("bee sting on my arm, a bit swollen and itchy, breathing fine") == set()


def test_stated_suicidal_intent_is_an_emergency() -> None:
    assert "suicidal_intent" in codes("eu quero me matar, já decidi")


def test_passive_death_wish_without_a_plan_is_urgent() -> None:
    assert codes("i wish i was dead sometimes") == {"suicidal_ideation"}


def test_passive_death_wish_with_a_plan_is_an_emergency() -> None:
    assert "suicidal_intent" in codes("i dont want to be here anymore. ive written the note")


def test_denying_suicidal_thoughts_raises_no_flag() -> None:
    assert codes("not suicidal, just stressed at work and need to talk") == set()


def test_a_whole_packet_of_paracetamol_is_an_overdose() -> None:
    assert "overdose" in codes("i took a whole packet of paracetamol an hour ago")


def test_heavy_bleeding_in_pregnancy_is_an_emergency() -> None:
    assert "pregnancy_heavy_bleeding" in codes("estoy embarazada de 20 semanas y estoy sangrando mucho")


def test_spotting_in_early_pregnancy_is_urgent() -> None:
    assert codes("pregnant 8 weeks and have a little spotting") == {"pregnancy_bleeding"}


def test_severe_abdominal_pain_in_pregnancy_is_an_emergency() -> None:
    assert "pregnancy_severe_abdominal_pain" in codes("estou grávida e com dor muito forte na barriga")


def test_no_fetal_movements_is_an_emergency_and_fewer_is_urgent() -> None:
    assert "absent_fetal_movements" in codes("38 weeks pregnant and baby hasnt moved all day")
    assert codes("bebe mexendo menos hoje, estou de 34 semanas") == {"reduced_fetal_movements"}


def test_severe_headache_with_blurred_vision_in_pregnancy_is_an_emergency() -> None:
    assert "pregnancy_neuro" in codes("grávida com dor de cabeça muito forte e vista embaçada")


def test_fever_in_a_five_week_old_is_an_emergency() -> None:
    assert "infant_fever" in codes("my 5 week old baby has a temperature of 38.4")


def test_fever_in_a_two_month_old_in_spanish_is_an_emergency() -> None:
    assert "infant_fever" in codes("mi bebé de 2 meses tiene fiebre de 38.5")


def test_weeks_of_pregnancy_are_not_an_infants_age() -> None:
    assert "infant_fever" not in codes("grávida de 12 semanas com febre")


def test_rash_that_does_not_fade_under_a_glass_is_meningitis_sign() -> None:
    assert "meningitis_signs" in codes("fever and a rash that doesnt fade when i press a glass on it")


def test_stiff_neck_with_fever_is_meningitis_sign() -> None:
    assert "meningitis_signs" in codes("fiebre alta y el cuello rigido")


def test_toddler_drinking_bleach_is_poisoning() -> None:
    assert "poisoning" in codes("my toddler drank some bleach from under the sink")


def test_child_swallowing_grandmothers_pills_in_portuguese_is_poisoning() -> None:
    assert "poisoning" in codes("minha filha engoliu remédio da vó")


def test_boiling_water_on_a_babys_chest_is_a_severe_burn() -> None:
    assert "severe_burn" in codes("spilled boiling water all over my baby's chest")


def test_small_oven_burn_raises_no_flag() -> None:
    assert codes("burnt my finger on the oven tray, small red mark") == set()


def test_stabbing_is_major_trauma() -> None:
    assert "major_trauma" in codes("levou uma facada")


def test_head_injury_with_loss_of_consciousness_is_an_emergency() -> None:
    assert "head_injury_loc" in codes("se golpeó la cabeza y perdió el conocimiento")


def test_fever_with_confusion_is_sepsis_sign() -> None:
    assert "sepsis_signs" in codes("my mum has a fever and is confused, doesnt know where she is")


def test_fever_and_a_parent_confused_about_the_dose_is_not_sepsis() -> None:
    assert "sepsis_signs" not in codes("my son has a fever and im confused about the dose")


def test_numb_arm_with_no_explanation_is_a_stroke_sign() -> None:
    assert "stroke_signs" in codes("my left arm suddenly went numb")


def test_numb_arm_after_sleeping_on_it_is_urgent_not_emergency() -> None:
    assert codes("my arm is numb from sleeping on it") == {"neuro_symptom_review"}


def test_trouble_talking_with_a_lost_voice_is_not_called_a_stroke() -> None:
    assert (
        assess("i cant talk properly, lost my voice with a cold", model=False).urgency_floor is Urgency.URGENT
    )


def test_a_child_drinking_vodka_is_poisoning_but_an_adult_drinking_vodka_is_not() -> None:
    assert "poisoning" in codes("my 18 month old drank some vodka")
    assert codes("i drank vodka last night and have a headache") == set()


def test_eating_before_taking_pills_is_not_poisoning() -> None:
    assert codes("i ate before taking my pills, is that ok") == set()


def test_a_scald_described_as_small_is_urgent_not_emergency() -> None:
    assert codes("burned my finger with boiling water, small blister") == {"burn_review"}


def test_asking_for_a_suicide_helpline_is_urgent_and_feeling_suicidal_is_an_emergency() -> None:
    assert floor("suicide helpline number please") is Urgency.URGENT
    assert floor("i am feeling suicidal") is Urgency.EMERGENCY


def test_a_car_accident_last_week_raises_no_flag() -> None:
    assert codes("i was in a car accident last week, need a sick note") == set()


def test_a_car_accident_where_no_one_was_hurt_raises_no_flag() -> None:
    assert codes("small car accident this morning, no one was hurt") == set()


def test_ectopic_type_pain_in_early_pregnancy_is_an_emergency() -> None:
    assert floor("im 10 weeks pregnant with agonising pain low on the right side") is Urgency.EMERGENCY


def test_child_working_hard_to_breathe_is_an_emergency() -> None:
    assert floor("hes breathing really fast and wheezing badly, ribs sucking in") is Urgency.EMERGENCY


def test_purple_spots_with_fever_are_meningitis_signs() -> None:
    assert "meningitis_signs" in codes("fiebre y le salieron manchas moradas en las piernas")


def test_an_adults_age_is_not_read_as_a_temperature() -> None:
    assert "sepsis_signs" not in codes("my 38 yo husband is confused about his pills")


def test_a_floppy_baby_is_an_emergency_even_without_fever() -> None:
    assert "unwell_child" in codes("mi bebé está muy flojo y no reacciona")


def test_new_confusion_without_fever_is_urgent() -> None:
    assert codes("my mum has become confused over the last day, no fever") == {"acute_confusion"}


def test_saying_someone_is_having_a_stroke_is_a_stroke_sign_not_chest_pain() -> None:
    assert codes("creo que a mi papá le está dando un derrame") == {"stroke_signs"}


def test_cpr_in_progress_is_an_emergency() -> None:
    assert floor("no pulse!! doing cpr now") is Urgency.EMERGENCY


# --- context: negation, past, family, hypothetical ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "no chest pain, just a sore throat",
        "denies chest pain or shortness of breath",
        "without any shortness of breath or chest pain",
        "i don't have any trouble breathing",
        "no fever no rash no stiff neck",
    ],
)
def test_negated_symptoms_in_english_raise_no_flag(text: str) -> None:
    assert codes(text) == set()


@pytest.mark.parametrize(
    "text",
    [
        "sin fiebre, solo dolor de garganta",
        "no tengo dolor de pecho",
        "nunca he tenido convulsiones",
        "no me falta el aire",
    ],
)
def test_negated_symptoms_in_spanish_raise_no_flag(text: str) -> None:
    assert codes(text) == set()


def test_negated_breathing_trouble_in_portuguese_raises_no_flag() -> None:
    assert codes("não tenho falta de ar, só nariz entupido") == set()


def test_portuguese_no_meaning_in_the_does_not_negate_chest_pain() -> None:
    assert floor("DOR NO PEITO MUITO FORTE") is Urgency.EMERGENCY


def test_a_negation_covers_only_its_own_symptom() -> None:
    assert floor("no fever but i have crushing chest pain") is Urgency.EMERGENCY


def test_no_idea_what_to_do_is_not_a_negation() -> None:
    assert floor("no idea what to do, my son collapsed") is Urgency.EMERGENCY


def test_past_episode_that_was_checked_raises_no_flag() -> None:
    assert codes("had chest pain 2 years ago, it was checked and was heartburn") == set()


def test_past_episode_in_spanish_and_portuguese_raises_no_flag() -> None:
    assert codes("tuve un derrame hace 2 años, quiero renovar la receta") == set()
    assert codes("tive um infarto há 3 anos, preciso da receita") == set()


def test_family_history_raises_no_flag() -> None:
    assert codes("my father had a heart attack at 60, should i get my cholesterol checked?") == set()
    assert codes("mi padre murió de un infarto, quiero hacerme un chequeo") == set()
    assert codes("minha mãe teve AVC, quero saber se é hereditário") == set()


def test_a_relative_with_symptoms_now_is_still_flagged() -> None:
    assert "stroke_signs" in codes("my dad's face is drooping on one side")


def test_hypothetical_questions_raise_no_flag() -> None:
    assert codes("what should i do if someone is having a stroke?") == set()
    assert codes("qué hago si alguien se desmaya?") == set()
    assert codes("o que fazer se alguém tiver convulsão?") == set()


def test_not_knowing_if_someone_is_breathing_is_not_a_hypothetical() -> None:
    assert floor("i don't know if he's breathing") is Urgency.EMERGENCY


def test_present_emergency_in_another_clause_is_flagged_despite_family_history() -> None:
    assert "stroke_signs" in codes("my dad had a stroke last year and now I can't feel my left arm")


def test_present_chest_pain_after_a_past_one_is_flagged_in_spanish() -> None:
    assert floor("mi padre tuvo un infarto hace 5 años pero ahora tiene dolor opresivo en el pecho") is (
        Urgency.EMERGENCY
    )


def test_present_speech_trouble_after_past_stroke_is_flagged_in_portuguese() -> None:
    assert "stroke_signs" in codes("meu pai teve AVC há 2 anos e agora estou com a fala enrolada")


def test_a_relative_who_had_a_fall_and_is_not_responding_is_an_emergency() -> None:
    assert floor("my mum had a fall and isnt responding") is Urgency.EMERGENCY


def test_showing_signs_of_a_stroke_is_not_a_hypothetical() -> None:
    assert floor("hes showing signs of a stroke, face drooping") is Urgency.EMERGENCY


def test_portuguese_reflexive_e_se_is_not_a_hypothetical() -> None:
    assert "head_injury_loc" in codes("ele caiu e se machucou, bateu a cabeça e desmaiou")


def test_a_past_seizure_mentioned_with_today_is_still_the_past() -> None:
    assert codes("had a seizure 2 years ago, today i want my prescription") == set()


def test_chest_tightness_from_coughing_is_urgent_not_emergency() -> None:
    assert codes("i have a cold and my chest feels tight from coughing") == {"chest_pain"}


def test_chest_pain_with_sweating_is_an_emergency_even_when_coughing() -> None:
    assert floor("chest pain when i cough and sweating a lot") is Urgency.EMERGENCY


def test_heavy_bleeding_after_giving_birth_last_week_is_an_emergency() -> None:
    assert floor("bleeding really heavily after giving birth last week, soaking a pad every hour") is (
        Urgency.EMERGENCY
    )


def test_painful_swollen_leg_after_a_flight_is_urgent() -> None:
    assert codes("my left leg is swollen and painful since my flight") == {"possible_dvt"}


@pytest.mark.parametrize(
    "text",
    [
        "heartburn after a big spicy dinner",
        "mild cough for 3 days",
        "small cut on my finger from cooking, stopped bleeding",
        "got my flu shot yesterday, arm sore",
        "i cant breathe through my nose, it's blocked",
        "this shoe doesnt fit",
        "tengo 38 años y dolor de espalda",
    ],
)
def test_benign_look_alikes_raise_no_emergency(text: str) -> None:
    assert floor(text) is not Urgency.EMERGENCY


# --- normalization ------------------------------------------------------------------------------


def test_shouting_repeated_letters_and_emoji_are_normalized() -> None:
    assert normalize("CRUSHING CHEST PAAAIN 😭😭") == "crushing chest pain"
    assert floor("CRUSHING CHEST PAAAIN 😭😭") is Urgency.EMERGENCY


def test_missing_accents_and_typos_still_match() -> None:
    assert "cardiac_chest_pain" in codes("heavy chest pian and my arm feels numb")
    assert "breathing" not in normalize("não")
    assert floor("nao consigo respirar") is Urgency.EMERGENCY


def test_the_same_sign_written_with_and_without_accents_gives_the_same_flags() -> None:
    assert codes("perdí la visión de golpe") == codes("perdi la vision de golpe")


def test_several_messages_joined_by_newlines_are_read_clause_by_clause() -> None:
    assert floor(
        "hola\nmi padre tuvo un infarto hace años\nahora me duele el pecho y sudo frio, sudando"
    ) is (Urgency.EMERGENCY)


# --- robustness ---------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_assess_never_raises_on_arbitrary_text(text: str) -> None:
    assessment = assess(text)
    assert assessment.rules_version == RULES_VERSION
    assert (assessment.urgency_floor is None) == (assessment.patient_instruction is None)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "chest",
                "pain",
                "no",
                "não",
                "sin",
                "fiebre",
                "ago",
                "if",
                "😭",
                ".",
                ",",
                "\n",
                "pregnant",
                "bleeding",
                "my",
                "father",
                "had",
                "now",
                "AAAA",
                "38",
                "weeks",
            ]
        ),
        max_size=40,
    )
)
def test_assess_never_raises_on_clinical_word_salad(words: list[str]) -> None:
    assess(" ".join(words))


def test_an_empty_message_has_no_flag() -> None:
    assessment = assess("")
    assert assessment.red_flags == []
    assert assessment.language is Language.EN
