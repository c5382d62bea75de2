"""Documented, public, local-only values: they sign the events/ samples and the local stack's requests.
None of them is a secret and none is accepted by a deployed stack (its values come from Secrets Manager)."""

LOCAL_AUTH_TOKEN = "fasttriage-local-test-auth-token"  # noqa: S105 - documented local test value
LOCAL_ACCOUNT_SID = "AC" + "fa57".ljust(32, "0")
LOCAL_CLINIC_NUMBER = "whatsapp:+14155238886"
LOCAL_PSEUDONYM_KEY = "fasttriage-local-pseudonym-key"
LOCAL_BUCKET = "fasttriage-local-reports"
LOCAL_DEV_TOKEN_KEY = "fasttriage-local-dev-sign-in"  # noqa: S105 - signs the local stack's dev sign-in tokens
LOCAL_DEV_PASSWORD = "local-dev-only"  # noqa: S105 - the local stack's documented dev sign-in password
SAMPLE_API_DOMAIN = "abcdef1234.execute-api.us-east-1.amazonaws.com"
SAMPLE_STAGE = "Prod"
