"""Machine translations of product texts (one row per product, language and field, whatever the number of bots
translating at once: the last one's text stays, it translates the same source), questions handed off to staff, and
what merchants said with /say in each language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.handoff import HandedOff, Said
from bot.domain.translation import StoredTranslation
from storage.tables import hand_offs, machine_translations, said_messages, said_translations


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


class SqlHandOffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, buyer_id: int, buyer_language: str, question: str, chat_id: int, message_id: int, now: datetime
    ) -> None:
        connection = await self.session.connection()
        await connection.execute(
            sa.insert(hand_offs).values(
                buyer_id=buyer_id,
                buyer_language=buyer_language,
                question=question,
                chat_id=chat_id,
                message_id=message_id,
                created_at=now,
            )
        )

    async def find(self, chat_id: int, message_id: int) -> HandedOff | None:
        connection = await self.session.connection()
        row = (
            await connection.execute(
                sa.select(hand_offs.c.buyer_id, hand_offs.c.buyer_language, hand_offs.c.question).where(
                    hand_offs.c.chat_id == chat_id, hand_offs.c.message_id == message_id
                )
            )
        ).first()
        return None if row is None else HandedOff(row.buyer_id, row.buyer_language, row.question)


class SqlSaidRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, stream_id: int, text: str, language: str, created_by: int | None, now: datetime) -> int:
        connection = await self.session.connection()
        values = {"stream_id": stream_id, "text": text, "language": language, "created_by": created_by}
        inserted = await connection.execute(
            sa.insert(said_messages).values(created_at=now, **values).returning(said_messages.c.id)
        )
        return int(inserted.scalar_one())

    async def get(self, message_id: int) -> Said | None:
        connection = await self.session.connection()
        row = (
            await connection.execute(
                sa.select(said_messages.c.stream_id, said_messages.c.text, said_messages.c.language).where(
                    said_messages.c.id == message_id
                )
            )
        ).first()
        return None if row is None else Said(message_id, row.stream_id, row.text, row.language)

    async def translation(self, message_id: int, language: str) -> str | None:
        connection = await self.session.connection()
        return (
            await connection.execute(
                sa.select(said_translations.c.text).where(
                    said_translations.c.message_id == message_id, said_translations.c.language == language
                )
            )
        ).scalar_one_or_none()

    async def save_translation(self, message_id: int, language: str, text: str) -> None:
        """The first translation stored stays (another process may have made one meanwhile)."""
        connection = await self.session.connection()
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(said_translations)
        await connection.execute(
            insert.values(message_id=message_id, language=language, text=text).on_conflict_do_nothing(
                index_elements=["message_id", "language"]
            )
        )
