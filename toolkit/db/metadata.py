"""The one ``MetaData`` every table of the data layer belongs to (store, register, accounts, jobs).

Each area declares its tables in its own module against ``METADATA``; Alembic's migrations and
``policykit db copy`` see them all through it. The naming convention gives constraints stable
names, which migrations need to alter them later.
"""

from sqlalchemy import MetaData

METADATA = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
