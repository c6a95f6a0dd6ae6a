"""Machine translations of product texts: read per product and language, written once per (product, language,
field) whatever the number of bots translating at once (the last one's text stays: it translates the same source)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.translation import StoredTranslation
from storage.tables import machine_translations


class SqlTranslationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def product_texts(self, product_id: int, language: str) -> Sequence[StoredTranslation]:
        connection = await self.session.connection()
        rows = await connection.execute(
            sa.select(
                machine_translations.c.field, machine_translations.c.source_hash, machine_translations.c.text
            ).where(machine_translations.c.product_id == product_id, machine_translations.c.language == language)
        )
        return [StoredTranslation(field, source_hash, text) for field, source_hash, text in rows]

    async def save_product_text(self, product_id: int, language: str, field: str, source_hash: str, text: str) -> None:
        connection = await self.session.connection()
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(machine_translations)
        values = {"source_hash": source_hash, "text": text, "translated_at": datetime.now(UTC)}
        await connection.execute(
            insert.values(product_id=product_id, language=language, field=field, **values).on_conflict_do_update(
                index_elements=["product_id", "language", "field"], set_=values
            )
        )
