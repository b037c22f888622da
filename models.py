"""Database tables of the portail familles: the one import for every table (`from models import X`).

The tables themselves live in the `schema` package, one module per domain (accounts, families, activities,
documents, reservations, procedures); this module re-exports them so that callers, Alembic and tests never depend
on that split.
No Flask request code in them. Money is in integer cents, dates are `date`, instants are timezone-aware UTC.
Names follow the glossary in docs/architecture.md (French on screen, English in code).
"""

from schema.accounts import AccountToken, FamilyChange, HealthAccess, User, UserSession, normalize_email
from schema.activities import Activity, Closure, DeadlinePolicy, Enrollment, Period, Unit
from schema.base import (
    CONFIG_TABLES,
    DEFAULT_JUSTIFICATION_HOURS,
    NAMING,
    Base,
    CommuneSettings,
    ConfigVersion,
    UTCDateTime,
    commune_settings,
    config_key,
    db,
    remember_config_key,
    utcnow,
)
from schema.billing import (
    BillingCounter,
    BillingRun,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceReminder,
    Payment,
    QuotientRecord,
    Tariff,
    TariffBand,
    TariffPenalty,
)
from schema.documents import (
    DOCUMENT_KINDS,
    DOCUMENT_STATUSES,
    VALIDITY_RULES,
    Document,
    DocumentFile,
    DocumentType,
)
from schema.families import AUTHORISATION_KINDS, Authorisation, ChildHealth, Diet, Family, Person, School
from schema.messages import CONVERSATION_STATUSES, AnswerTemplate, Conversation, Message, MessageService, MessageTheme
from schema.payments import (  # noqa: E402
    ATTEMPT_STATUSES,
    DirectDebit,
    DirectDebitBatch,
    InvoiceMail,
    InvoicePreference,
    Mandate,
    PaymentAttempt,
    PaymentNotice,
)
from schema.procedures import (
    PROCEDURE_STATUSES,
    ProcedureAttachment,
    ProcedureCounter,
    ProcedureEvent,
    ProcedureRequest,
    ProcedureType,
)
from schema.reminders import REMINDER_KINDS, ReminderPreference, SentReminder
from schema.reservations import ABSENCE_STATUSES, Absence, Reservation, ReservationChange

__all__ = [
    "ABSENCE_STATUSES", "AUTHORISATION_KINDS", "CONFIG_TABLES", "ConfigVersion", "config_key", "remember_config_key",
    "DEFAULT_JUSTIFICATION_HOURS", "DOCUMENT_KINDS", "DOCUMENT_STATUSES",
    "NAMING", "PROCEDURE_STATUSES", "VALIDITY_RULES", "AccountToken", "Absence", "Activity", "Authorisation", "Base",
    "ChildHealth", "Closure", "CommuneSettings", "DeadlinePolicy", "Diet", "Document", "DocumentFile", "DocumentType",
    "Enrollment", "Family", "FamilyChange", "HealthAccess", "Period", "Person", "ProcedureAttachment",
    "ProcedureCounter", "ProcedureEvent", "ProcedureRequest", "ProcedureType", "Reservation", "ReservationChange",
    "School", "UTCDateTime", "Unit", "User", "UserSession", "commune_settings", "db", "normalize_email", "utcnow",
    "CONVERSATION_STATUSES", "AnswerTemplate", "Conversation", "Message", "MessageService", "MessageTheme",
    "REMINDER_KINDS", "ReminderPreference", "SentReminder",
]

# attendance (pointage) and the central kitchen
from schema.attendance import (  # noqa: E402
    ATTENDANCE_STATUSES,
    KITCHEN_STAGES,
    AdultMeal,
    Attendance,
    KitchenOrder,
    KitchenSettings,
)

__all__ += ["ATTENDANCE_STATUSES", "KITCHEN_STAGES", "AdultMeal", "Attendance", "KitchenOrder", "KitchenSettings"]
# Public space (issue #9): news, canteen menus, the pages agents edit and their history.
from schema.public import (  # noqa: E402
    NEWS_AUDIENCES,
    ContentChange,
    MenuDish,
    NewsItem,
    NewsRead,
    SiteFile,
    SitePage,
)

__all__ += ["NEWS_AUDIENCES", "ContentChange", "MenuDish", "NewsItem", "NewsRead", "SiteFile", "SitePage"]
# Agents' administration (roles' sites, two-factor recovery codes).
from schema.admin import AgentSite, RecoveryCode  # noqa: E402

__all__ += ["AgentSite", "RecoveryCode"]
from schema.registration import (  # noqa: E402
    ACCOUNT_REQUEST_STATUSES,
    AccountRequest,
    DossierKey,
    EmailChange,
    FranceConnectLink,
    NotificationPreference,
)

__all__ += ["ACCOUNT_REQUEST_STATUSES", "AccountRequest", "DossierKey", "EmailChange", "FranceConnectLink",
            "NotificationPreference"]
__all__ += [
    "BillingCounter", "BillingRun", "CreditNote", "Invoice", "InvoiceLine", "InvoiceReminder", "Payment",
    "QuotientRecord", "Tariff", "TariffBand", "TariffPenalty",
]
__all__ += [
    "ATTEMPT_STATUSES", "DirectDebit", "DirectDebitBatch", "InvoiceMail", "InvoicePreference", "Mandate",
    "PaymentAttempt", "PaymentNotice",
]
