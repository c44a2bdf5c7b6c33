"""Every domain's models, imported for Alembic's autogenerate and the migration test."""

from exam_app.accounts import models as accounts_models
from exam_app.bank import models as bank_models
from exam_app.certificates import models as certificates_models
from exam_app.core import models as core_models
from exam_app.db import Base
from exam_app.exams import models as exams_models
from exam_app.stats import models as stats_models
from exam_app.tracking import models as tracking_models

__all__ = [
    "Base",
    "accounts_models",
    "bank_models",
    "certificates_models",
    "core_models",
    "exams_models",
    "stats_models",
    "tracking_models",
]
