"""The register records what each issued notice quotes: ``reg_quotes``.

One row per quoted node (document id, eId) with the hashes of the stored text it quoted (the
source file's sha256, the document's text hash, the passage's own hash), so ``policykit db check``
names the numbers whose quoted source no longer matches the store. Numbers issued before this
revision have no rows (nothing is invented for them). Revision 0002 creates every table declared
on METADATA, so a store brought to 0002 by this release already has the table: it is created here
only where it is missing.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

T, INT = sa.Text, sa.Integer


def upgrade() -> None:
    bind = op.get_bind()
    if sa.inspect(bind).has_table("reg_quotes"):
        return
    op.create_table(
        "reg_quotes",
        sa.Column("number", T, sa.ForeignKey("reg_numbers.number"), nullable=False),
        sa.Column("position", INT, nullable=False),
        sa.Column("doc_id", T, nullable=False),
        sa.Column("eid", T, nullable=False),
        sa.Column("source_id", T, nullable=False),
        sa.Column("source_sha256", T, nullable=False),
        sa.Column("text_sha256", T, nullable=False),
        sa.Column("passage_sha256", T, nullable=False),
        sa.PrimaryKeyConstraint("number", "position"),
    )
    op.create_index("reg_quotes_by_doc", "reg_quotes", ["doc_id"])


def downgrade() -> None:
    raise NotImplementedError("a store is never downgraded: restore the backup taken before upgrade")
