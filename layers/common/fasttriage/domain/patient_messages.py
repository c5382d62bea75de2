"""Every text a patient reads, in English, Spanish and Portuguese, and the two commands they can send.

Kept short for WhatsApp. Wording is neutral about country: the emergency text names several common
emergency numbers rather than assuming one.
"""

from __future__ import annotations

import re
import unicodedata

from fasttriage.domain.models import Language

EMERGENCY = "emergency"
URGENT = "urgent"
RECEIPT = "receipt"
PRIVACY_NOTICE = "privacy_notice"
ERASURE_CONFIRMED = "erasure_confirmed"
NEW_CASE_CONFIRMED = "new_case_confirmed"
NOT_RECORDED = "not_recorded"

_TEXTS: dict[str, dict[Language, str]] = {
    EMERGENCY: {
        Language.EN: (
            "This may be an emergency. Call your local emergency number now (911/112/999) or go to the "
            "nearest emergency department. Do not wait for a reply here."
        ),
        Language.ES: (
            "Esto puede ser una emergencia. Llame ahora al número de emergencias local (112/911) o vaya a "
            "urgencias más cercanas. No espere una respuesta por aquí."
        ),
        Language.PT: (
            "Isto pode ser uma emergência. Ligue agora para o número de emergência local (192 SAMU/112) ou "
            "vá ao pronto-socorro mais próximo. Não espere resposta por aqui."
        ),
    },
    URGENT: {
        Language.EN: (
            "This needs to be seen in person today. Contact the clinic, an urgent care centre or your doctor "
            "now. If it gets worse, call your local emergency number."
        ),
        Language.ES: (
            "Esto debe verse en persona hoy. Contacte ahora con la clínica, un centro de urgencias "
            "o su médico. Si empeora, llame al número de emergencias local."
        ),
        Language.PT: (
            "Isto precisa ser visto pessoalmente hoje. Procure agora a clínica, uma UPA ou seu médico. "
            "Se piorar, ligue para o número de emergência local."
        ),
    },
    RECEIPT: {
        Language.EN: "We received your message; a clinician will review it.",
        Language.ES: "Recibimos su mensaje; un profesional de salud lo revisará.",
        Language.PT: "Recebemos sua mensagem; um profissional de saúde vai analisá-la.",
    },
    PRIVACY_NOTICE: {
        Language.EN: (
            "We keep your messages and a triage summary for the clinic's doctors. "
            'To erase them, send "delete my data".'
        ),
        Language.ES: (
            "Guardamos sus mensajes y un resumen de triaje para los médicos de la clínica. "
            'Para borrarlos, envíe "borrar mis datos".'
        ),
        Language.PT: (
            "Guardamos suas mensagens e um resumo de triagem para os médicos da clínica. "
            'Para apagá-los, envie "apagar meus dados".'
        ),
    },
    ERASURE_CONFIRMED: {
        Language.EN: "Your messages and summaries have been deleted.",
        Language.ES: "Sus mensajes y resúmenes han sido borrados.",
        Language.PT: "Suas mensagens e resumos foram apagados.",
    },
    NEW_CASE_CONFIRMED: {
        Language.EN: "New case started. Tell us what is happening.",
        Language.ES: "Nuevo caso iniciado. Cuéntenos qué está pasando.",
        Language.PT: "Novo caso iniciado. Conte-nos o que está acontecendo.",
    },
    NOT_RECORDED: {
        Language.EN: "We could not record your message because of a technical problem. Please send it again "
        "in a few minutes.",
        Language.ES: "No pudimos registrar su mensaje por un problema técnico. Envíelo de nuevo en unos "
        "minutos.",
        Language.PT: "Não conseguimos registrar sua mensagem por um problema técnico. Envie-a novamente em "
        "alguns minutos.",
    },
}

KEYS: frozenset[str] = frozenset(_TEXTS)


def text_for(key: str, language: Language) -> str:
    """The patient-facing text for key in language; KeyError for an unknown key (a programming error)."""
    return _TEXTS[key][language]


_NOT_WORD = re.compile(r"[^a-z0-9]+")

_PLEASE = r"(?:please|pls|plz|por favor|porfa|pf|porfavor)"
_NEW_CASE = re.compile(
    rf"^(?:{_PLEASE} )?(?:new|new case|start new case|nuevo|nueva|nuevo caso|caso nuevo|nueva consulta|"
    rf"novo|nova|novo caso|caso novo|nova consulta)(?: {_PLEASE})?$"
)
_ERASURE = re.compile(
    rf"^(?:{_PLEASE} )?(?:"
    r"(?:delete|erase|remove|wipe) (?:all )?(?:of )?my (?:data|information|info|messages)"
    r"|(?:borrar|borra|borre|eliminar|elimina|elimine) (?:todos )?(?:mis|los) (?:datos|mensajes)"
    r"|(?:apagar|apaga|apague|excluir|exclua|deletar|delete) (?:todos )?(?:os )?(?:meus|os)"
    r" (?:dados|mensagens)"
    rf")(?: {_PLEASE})?$"
)


def _command_form(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", plain).strip()


def is_new_case_command(text: str) -> bool:
    """True when the whole message asks to start a new case ("new", "nuevo", "novo"...)."""
    return bool(_NEW_CASE.match(_command_form(text)))


def is_erasure_command(text: str) -> bool:
    """True when the whole message asks to erase the patient's data ("delete my data"...)."""
    return bool(_ERASURE.match(_command_form(text)))
